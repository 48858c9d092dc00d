"""--max-disk-bytes on the real kernel: a small budget, traffic worth several times the budget,
rotation and archiving on; disk use under the out-dir and the archive is measured at every
heartbeat (and in between) and never exceeds the budget; the deletions are logged one by one and
the heartbeat counts them exactly."""
import glob
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from incident_lib import (IBSR, IncidentTestBase, disk_usage, read_pcap,  # noqa: E402
                          run_dir_order)

from scapy.all import IP, UDP, Raw  # noqa: E402

BUDGET = 32768
MAX_PCAP = 4096


class DiskBudget(IncidentTestBase):
    def frames(self, n, start):
        """Random payloads: archives compress no better than the pcaps they replace."""
        return [self.c2s() / IP(src="198.51.100.%d" % ((start + i) % 250 + 1),
                                dst=self.pair.srv_ip) /
                UDP(sport=start + i + 1, dport=7) / Raw(os.urandom(158))
                for i in range(n)]

    def run_with_budget(self, *extra):
        arch = os.path.join(self.tmp, "archive")
        r = self.recorder("--tag", "budget", "--sample-rate", 1, "--max-pcap-bytes", MAX_PCAP,
                          "--max-disk-bytes", BUDGET, "--status-interval-sec", 1, *extra).start()
        status = glob.glob(os.path.join(self.out, "*", "status.jsonl"))[0]
        usage_at_tick, usage_any = [], []
        lines_seen = 0
        sent = 0
        # 12 bursts of 40 records of 216 bytes: about 100 KiB, three times the budget.
        for burst in range(12):
            self.send(self.frames(40, sent))
            sent += 40
            deadline = time.monotonic() + 1.5
            while time.monotonic() < deadline:  # bounded: 1.5 s per burst
                used = disk_usage(self.out, arch)
                usage_any.append(used)
                with open(status) as f:
                    n = sum(1 for _ in f)
                if n > lines_seen:
                    usage_at_tick.append(used)
                    lines_seen = n
                time.sleep(0.02)
        time.sleep(0.5)
        self.assertEqual(r.stop(), 0, r.stderr())
        return r, arch, status, sent, usage_at_tick, usage_any

    def test_disk_use_stays_within_the_budget_and_deletions_are_counted(self):
        arch = os.path.join(self.tmp, "archive")
        r, arch, status, sent, at_tick, anytime = self.run_with_budget(
            "--archive-dir", arch, "--archive-after-sec", 0, "--archive-sweep-sec", 1)
        self.assertGreaterEqual(len(at_tick), 10)
        self.assertLessEqual(max(at_tick), BUDGET, at_tick)
        self.assertLessEqual(max(anytime), BUDGET)
        # The budget was actually under pressure: close to full at some tick.
        self.assertGreater(max(at_tick), BUDGET // 2, at_tick)

        lines = r.status()
        last = lines[-1]
        self.assertEqual(last["events_written"], sent)
        # Every deletion is logged with its size; the heartbeat's counts are exactly those.
        deleted = [(m.group(1), int(m.group(2))) for m in
                   re.finditer(r"disk budget: deleted '([^']+)' \((\d+) bytes\)", r.stderr())]
        self.assertGreater(len(deleted), 0, r.stderr())
        self.assertEqual(last["budget_deleted_files"], len(deleted))
        self.assertEqual(last["budget_deleted_bytes"], sum(b for _, b in deleted))
        for path, _ in deleted:
            self.assertFalse(os.path.exists(path), path)
        # Cumulative counters never go down.
        counts = [l["budget_deleted_files"] for l in lines]
        self.assertEqual(counts, sorted(counts))
        # Every pcap the run started is still here, archived, or was deleted exactly once.
        pcaps = glob.glob(os.path.join(self.out, "*", "packets.pcap"))
        archives = glob.glob(os.path.join(arch, "*", "packets.pcap.gz"))
        self.assertEqual(last["rotations"] + 1, len(pcaps) + len(archives) + len(deleted))
        self.assertTrue(any(p.endswith(".gz") for p, _ in deleted), deleted)  # archives went
        self.assertEqual(len(pcaps), 1)  # the last file was never deleted
        self.assertGreater(len(read_pcap(pcaps[0])[1]), 0)
        # disk_bytes of the last line: the usage measured just before it was appended.
        with open(status) as f:
            last_line_len = len(f.readlines()[-1])
        self.assertEqual(disk_usage(self.out, arch), last["disk_bytes"] + last_line_len)

    def test_without_archive_the_oldest_closed_pcaps_go_first(self):
        r, arch, status, sent, at_tick, anytime = self.run_with_budget()
        self.assertLessEqual(max(at_tick), BUDGET, at_tick)
        self.assertLessEqual(max(anytime), BUDGET)
        deleted = [m.group(1) for m in
                   re.finditer(r"disk budget: deleted '([^']+)'", r.stderr())]
        last = r.status()[-1]
        self.assertEqual(last["budget_deleted_files"], len(deleted))
        self.assertGreater(len(deleted), 0)
        kept = r.pcaps()
        # Oldest first: every kept pcap is newer than every deleted one (run dir name order).
        newest_deleted = max(run_dir_order(os.path.dirname(p)) for p in deleted)
        oldest_kept = min(run_dir_order(os.path.dirname(p)) for p in kept)
        self.assertLess(newest_deleted, oldest_kept)
        self.assertEqual(last["rotations"] + 1, len(kept) + len(deleted))

    def test_budget_below_twice_the_pcap_cap_is_refused(self):
        for extra, want in ((["--max-disk-bytes", "8191"],
                             "8191 is less than 2 times --max-pcap-bytes (4096)"),
                            (["--archive-dir", self.tmp, "--max-disk-bytes", "12287"],
                             "12287 is less than 3 times --max-pcap-bytes (4096) with "
                             "--archive-dir")):
            p = subprocess.run([IBSR, "record-incident", "-i", "lo", "--max-pcap-bytes", "4096"] + extra,
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 2)
            self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
            self.assertIn("--max-disk-bytes: " + want, p.stderr)


if __name__ == "__main__":
    unittest.main()
