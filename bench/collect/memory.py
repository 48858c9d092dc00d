"""Memory of a running `ibsr collect` with a full default map (100,000 entries), and where each
MB goes. The collector runs in a namespace the bench creates; its IPv4 counter map is then filled
to ENTRIES distinct sources by build/bench/collect/fill_counter_map (as a saturated host would fill
it), and /proc/PID/status is sampled every 2 ms over CYCLES snapshot cycles of 1 s.
Prints: RSS idle (before the fill), RSS between cycles (median of the samples taken while no
snapshot runs), peak RSS (VmHWM, which catches the snapshot itself), the snapshot line's size, and
the resident memory per mapping (/proc/PID/smaps) at rest and at the peak sample.
Usage: /usr/bin/python3 bench/collect/memory.py [ENTRIES] [CYCLES] [EXTRA ibsr collect ARGS...]"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration", "lib"))
os.environ.setdefault("IBSR_BUILD_DIR", os.path.join(HERE, "..", "..", "build"))
from collector import Collector  # noqa: E402
from netns import NsPair  # noqa: E402

ENTRIES = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
CYCLES = int(sys.argv[2]) if len(sys.argv) > 2 else 10
EXTRA = sys.argv[3:]
FILL = os.path.join(os.environ["IBSR_BUILD_DIR"], "bench", "collect", "fill_counter_map")


def status(pid):
    with open("/proc/%d/status" % pid) as f:
        fields = dict(l.split(":", 1) for l in f if ":" in l)
    return {k: int(fields[k].split()[0]) for k in ("VmRSS", "VmHWM", "RssAnon", "RssFile")}


def smaps(pid):
    """Resident kB per mapping name (anonymous mappings grouped as [anon]); the key "PSS" holds
    the proportional set size (shared library pages divided among the processes mapping them)."""
    out, name = {"PSS": 0}, None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            parts = line.split()
            if "-" in parts[0] and ":" not in parts[0]:
                name = parts[5] if len(parts) > 5 else "[anon]"
                name = os.path.basename(name) if name.startswith("/") else name
            elif parts[0] == "Rss:":
                out[name] = out.get(name, 0) + int(parts[1])
            elif parts[0] == "Pss:":
                out["PSS"] += int(parts[1])
    return out


def mb(kb):
    return "%.1f" % (kb / 1024.0)


def cycles_done(c):
    try:
        return len(c.status())
    except (FileNotFoundError, ValueError):
        return 0


def main():
    with NsPair() as pair, tempfile.TemporaryDirectory() as tmp:
        c = Collector(pair, os.path.join(tmp, "out"), [8000, 8001, 8002, 8003],
                      "--snapshot-interval-sec", 1, "--map-size", max(ENTRIES, 100000),
                      *EXTRA).start()
        try:
            pid = c.proc.pid
            c.wait_cycles(2)
            idle = status(pid)
            idle_maps = smaps(pid)
            subprocess.run([FILL, str(ENTRIES)], check=True)
            start = cycles_done(c)
            c.wait_cycles(start + 2, timeout=60)
            samples, peak_sample, peak_maps = [], None, None
            deadline = time.monotonic() + CYCLES + 30
            while cycles_done(c) < start + 2 + CYCLES and time.monotonic() < deadline:
                s = status(pid)
                samples.append(s["VmRSS"])
                if peak_sample is None or s["VmRSS"] > peak_sample:
                    peak_sample = s["VmRSS"]
                    peak_maps = smaps(pid)
                time.sleep(0.002)
            rest_maps = smaps(pid)
            final = status(pid)
            with open(c.snapshot_files()[-1], "rb") as f:
                line_bytes = max(len(l) for l in f)
        finally:
            c.stop()
    low = sorted(samples)[: max(1, len(samples) // 2)]
    print("entries=%d cycles=%d samples=%d line_bytes=%s" % (ENTRIES, CYCLES, len(samples),
                                                            line_bytes))
    print("| state | RSS MB |")
    print("|---|---:|")
    print("| idle, empty map | %s |" % mb(idle["VmRSS"]))
    print("| full map, between snapshots (median of the lower half of samples) | %s |"
          % mb(statistics.median(low)))
    print("| full map, highest sample | %s |" % mb(peak_sample))
    print("| full map, peak (VmHWM) | %s |" % mb(final["VmHWM"]))
    print("\nPSS (shared pages divided among their users): idle %s MB, between snapshots %s MB, "
          "highest sample %s MB" % (mb(idle_maps["PSS"]), mb(rest_maps["PSS"]),
                                    mb(peak_maps["PSS"])))
    names = sorted((set(idle_maps) | set(rest_maps) | set(peak_maps)) - {"PSS"},
                   key=lambda n: -peak_maps.get(n, 0))
    print("\n| mapping | idle MB | between snapshots MB | highest sample MB |")
    print("|---|---:|---:|---:|")
    for n in names:
        if max(idle_maps.get(n, 0), rest_maps.get(n, 0), peak_maps.get(n, 0)) >= 100:
            print("| %s | %s | %s | %s |" % (n, mb(idle_maps.get(n, 0)), mb(rest_maps.get(n, 0)),
                                             mb(peak_maps.get(n, 0))))


if __name__ == "__main__":
    main()
