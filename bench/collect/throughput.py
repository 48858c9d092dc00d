"""veth TCP throughput between two namespaces (iperf3), side by side in one run:
  none      - nothing attached
  native    - ibsr collect attached, --xdp-mode native
  generic   - ibsr collect attached, --xdp-mode generic
  tcpdump   - tcpdump capturing the same interface to /dev/null (what operators otherwise use)
Rounds interleave the conditions so drift affects all alike. Prints a Markdown table of the
median Gbit/s per condition and its ratio to `none`, and the collector's RSS.
Usage: /usr/bin/python3 bench/collect/throughput.py [ROUNDS] [SECONDS] [BITRATE]
BITRATE (e.g. 1G) paces iperf3: then the question is whether the paced rate is still reached
(loss), rather than how much CPU headroom is left (unpaced, CPU-bound on veth)."""
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration", "lib"))
os.environ.setdefault("IBSR_BUILD_DIR", os.path.join(HERE, "..", "..", "build"))
from collector import Collector  # noqa: E402
from netns import NsPair, wait_for  # noqa: E402

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
BITRATE = sys.argv[3] if len(sys.argv) > 3 else None
PORT = 5201


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        fields = dict(l.split(":", 1) for l in f if ":" in l)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def iperf(pair):
    pace = ["-b", BITRATE] if BITRATE else []
    out = pair.ns(pair.cli, "iperf3", "-c", pair.srv_ip, "-p", str(PORT), "-t", str(SECONDS),
                  "-J", *pace, capture=True, timeout=SECONDS + 30).stdout
    return json.loads(out)["end"]["sum_received"]["bits_per_second"] / 1e9


def main():
    results = {k: [] for k in ("none", "native", "generic", "tcpdump")}
    rss = {}
    with NsPair() as pair, tempfile.TemporaryDirectory() as tmp:
        # Offloads back on: this measures the realistic path, not the one-packet-per-skb test
        # setup of NsPair.
        for ns, ifc in ((pair.srv, pair.srv_if), (pair.cli, pair.cli_if)):
            pair.ns(ns, "ethtool", "-K", ifc, "tso", "on", "gso", "on", "gro", "on", capture=True)
        server = pair.popen(pair.srv, "iperf3", "-s", "-p", str(PORT), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: "LISTEN" in pair.ns(pair.srv, "ss", "-Htln", "sport = :%d" % PORT,
                                                 capture=True).stdout, what="iperf3 server")
            for r in range(ROUNDS):
                for cond in results:
                    c = proc = None
                    if cond in ("native", "generic"):
                        c = Collector(pair, os.path.join(tmp, "s%d%s" % (r, cond)), [PORT],
                                      "--xdp-mode", cond, "--snapshot-interval-sec", 1).start()
                    elif cond == "tcpdump":
                        proc = pair.popen(pair.srv, "tcpdump", "-i", pair.srv_if, "-w",
                                          "/dev/null", stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)
                        time.sleep(1)
                    results[cond].append(iperf(pair))
                    if c:
                        rss[cond] = rss_kb(c.proc.pid)
                        c.stop()
                    if proc:
                        proc.send_signal(signal.SIGINT)
                        proc.wait()
                    print("round %d %-8s %.2f Gbit/s" % (r + 1, cond, results[cond][-1]),
                          file=sys.stderr)
        finally:
            server.kill()
            server.wait()
    base = statistics.median(results["none"])
    print("| condition | median Gbit/s | runs | ratio to none |")
    print("|---|---|---|---|")
    for cond, vals in results.items():
        m = statistics.median(vals)
        print("| %s | %.3f | %s | %.3f |" % (cond, m, " ".join("%.3f" % v for v in vals), m / base))
    for cond, (cur, hwm) in rss.items():
        print("\ncollector (%s) RSS during the run: %.1f MB (peak %.1f MB)"
              % (cond, cur / 1024, hwm / 1024))


if __name__ == "__main__":
    main()
