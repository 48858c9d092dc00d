#!/usr/bin/env bash
# Builds the Debian package from this tree: installs the build dependencies, configures a release
# build of the programs alone (no test tooling) in build-deb/, and runs cpack.
# Result: build-deb/ibsr_VERSION_ARCH.deb, to install with `apt install ./build-deb/ibsr_*.deb`.
# docs/packaging.md says what the package contains and how to run its services.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/build-deb.sh: run as root (it installs the build dependencies with apt-get)" >&2
  exit 1
fi

bash scripts/install-deps.sh
cmake -S . -B build-deb -G Ninja -DCMAKE_BUILD_TYPE=Release -DIBSR_BUILD_TESTS=OFF >/dev/null
ninja -C build-deb >/dev/null
(cd build-deb && cpack >/dev/null)
ls build-deb/ibsr_*.deb
