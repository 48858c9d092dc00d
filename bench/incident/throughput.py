"""veth TCP throughput between two namespaces (iperf3), side by side in one run:
  none      - nothing attached
  rate1000  - ibsr record-incident attached to the server veth, --sample-rate 1000 (baseline)
  rate1     - ibsr record-incident attached, --sample-rate 1 (every packet to the pcap)
Rounds interleave the conditions, and the order rotates from round to round, so drift and any
after-effect of the previous condition (pcap writeback) affect all alike. Prints a Markdown table of the
median Gbit/s per condition and its ratio to `none`, plus the recorder's counters (packets
written, ring-buffer drops) for the last round of each condition.
Usage: /usr/bin/python3 bench/incident/throughput.py [ROUNDS] [SECONDS] [--no-offload]
                                                    [--bitrate=RATE]
  --no-offload: TSO/GSO/GRO off (one wire packet per skb: the packet-rate worst case).
  --bitrate=1G: pace iperf3 (-b) like the seed's "1 Gbps interface": then the question is
                whether the pipe still delivers its rate (loss), not how much CPU is left."""
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration", "incident"))
os.environ.setdefault("IBSR_BUILD_DIR", os.path.join(HERE, "..", "..", "build"))
from incident_lib import Recorder  # noqa: E402
from netns import NsPair, wait_for  # noqa: E402

args = [a for a in sys.argv[1:] if not a.startswith("--")]
ROUNDS = int(args[0]) if len(args) > 0 else 3
SECONDS = int(args[1]) if len(args) > 1 else 5
OFFLOAD = "--no-offload" not in sys.argv
BITRATE = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--bitrate=")), None)
PORT = 5201


def iperf(pair):
    pace = ["-b", BITRATE] if BITRATE else []
    out = pair.ns(pair.cli, "iperf3", "-c", pair.srv_ip, "-p", str(PORT), "-t", str(SECONDS),
                  "-J", *pace, capture=True, timeout=SECONDS + 30).stdout
    return json.loads(out)["end"]["sum_received"]["bits_per_second"] / 1e9


def main():
    results = {k: [] for k in ("none", "rate1000", "rate1")}
    counters = {}
    with NsPair() as pair, tempfile.TemporaryDirectory() as tmp:
        state = "on" if OFFLOAD else "off"
        for ns, ifc in ((pair.srv, pair.srv_if), (pair.cli, pair.cli_if)):
            pair.ns(ns, "ethtool", "-K", ifc, "tso", state, "gso", state, "gro", state,
                    capture=True)
        server = pair.popen(pair.srv, "iperf3", "-s", "-p", str(PORT), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: "LISTEN" in pair.ns(pair.srv, "ss", "-Htln", "sport = :%d" % PORT,
                                                 capture=True).stdout, what="iperf3 server")
            conds = list(results)
            for r in range(ROUNDS):
                for cond in conds[r % 3:] + conds[:r % 3]:
                    rec = None
                    if cond != "none":
                        rate = cond[len("rate"):]
                        rec = Recorder(pair, os.path.join(tmp, "r%d%s" % (r, cond)),
                                       "--sample-rate", rate, "--tag", "bench").start()
                    try:
                        results[cond].append(iperf(pair))
                    finally:
                        if rec:
                            rec.stop()
                    if rec:
                        counters[cond] = rec.status()[-1]
                        for p in rec.pcaps():
                            os.unlink(p)  # rate 1 writes GBs; keep the disk free
                    print("round %d %-9s %.2f Gbit/s" % (r + 1, cond, results[cond][-1]),
                          file=sys.stderr)
        finally:
            server.kill()
            server.wait()
    base = statistics.median(results["none"])
    print("offloads (TSO/GSO/GRO): %s; %d rounds of %d s" % ("on" if OFFLOAD else "off", ROUNDS,
                                                             SECONDS))
    print()
    print("| condition | median Gbit/s | runs | ratio to none |")
    print("|---|---|---|---|")
    for cond, vals in results.items():
        m = statistics.median(vals)
        print("| %s | %.2f | %s | %.3f |" % (cond, m, " ".join("%.2f" % v for v in vals), m / base))
    print()
    for cond, st in counters.items():
        print("%s (last round): events_written %d, ringbuf_drops %d"
              % (cond, st["events_written"], st["ringbuf_drops"]))


if __name__ == "__main__":
    main()
