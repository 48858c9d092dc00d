"""Runs `ibsr collect` inside a namespace and reads what it wrote."""
import glob
import json
import os

from ibsr_process import IBSR, IbsrProcess  # noqa: F401 (IBSR is re-exported for the tests)
from netns import wait_for
import schema_check


def validate_counter_dir(out_dir):
    """Validates every snapshot line and heartbeat line of an `ibsr collect` out-dir (also
    collect-payload's counters/) against docs/schemas/; returns (snapshots, heartbeats)."""
    snapshot = schema_check.load("snapshot-v3.schema.json")
    snaps = []
    for path in sorted(glob.glob(os.path.join(out_dir, "snapshot_[0-9]*.jsonl"))):
        snaps += schema_check.validate_lines(path, snapshot)
    status = schema_check.validate_lines(os.path.join(out_dir, "status.jsonl"),
                                         schema_check.load("collect-status.schema.json"))
    return snaps, status


class Collector(IbsrProcess):
    READY = "attached XDP"
    NAME = "collector"

    def __init__(self, pair, out_dir, ports, *extra, ns=None, iface=None):
        args = ["collect", "-i", iface or pair.srv_if, "--out-dir", out_dir]
        for p in ports:
            args += ["-p", p]
        super().__init__(pair, args + list(extra), ns)
        self.out_dir = out_dir

    def snapshot_files(self):
        return sorted(glob.glob(os.path.join(self.out_dir, "snapshot_[0-9]*.jsonl")))

    def snapshots(self):
        out = []
        for path in self.snapshot_files():
            with open(path) as f:
                for line in f:
                    out.append(json.loads(line))
        return out

    def status(self):
        with open(os.path.join(self.out_dir, "status.jsonl")) as f:
            return [json.loads(l) for l in f]

    def wait_cycles(self, n, timeout=30):
        def done():
            try:
                return len(self.status()) >= n
            except (FileNotFoundError, json.JSONDecodeError):
                return False
        wait_for(done, timeout=timeout, what="%d collection cycles" % n)
