#!/usr/bin/env bash
# Installs every Debian package the build, the tests, the benchmarks and the demo use.
# Idempotent: packages already present are not reinstalled; apt-get update runs only when
# something is missing. Quiet on success; on failure apt's output is shown.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config clang llvm lld clang-format
  libbpf-dev bpftool linux-libc-dev libelf-dev zlib1g-dev libzstd-dev
  libcli11-dev libfmt-dev libsimdjson-dev nlohmann-json3-dev
  libcurl4-openssl-dev libssl-dev node-llhttp libsystemd-dev
  # packaging: man pages from --help, the .deb and its Depends:
  help2man dpkg-dev man-db
  libgtest-dev libgmock-dev libclang-rt-14-dev
  # tests, demo, benchmarks
  iproute2 iputils-ping hping3 nmap python3 python3-scapy tcpdump tshark iperf3 curl jq
  netcat-openbsd procps psmisc kmod file ethtool
  python3-swift memcached chromium nftables zstd systemd
  libcap2-bin util-linux prometheus
  # ClickHouse test and benchmark (deploy/clickhouse/; the package starts no server)
  clickhouse-server clickhouse-client
)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: must run as root (apt-get)" >&2
  exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# tshark asks whether non-root users may capture; answer once, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "install-deps.sh: apt-get failed installing: ${missing[*]}" >&2
  exit 1
fi
echo "install-deps.sh: installed ${#missing[@]} packages"
