"""Runs `ibsr collect` inside a namespace and reads what it wrote."""
import glob
import json
import os

from ibsr_process import IBSR, IbsrProcess  # noqa: F401 (IBSR is re-exported for the tests)
from netns import wait_for
import schema_check


def validate_counter_dir(out_dir):
    """Validates every snapshot line (v3 and the IPv6 snapshot6_ companion) and heartbeat line of
    an `ibsr collect` out-dir (also collect-payload's counters/) against docs/schemas/; returns
    (snapshots, heartbeats)."""
    snaps = validate_snapshot_files(out_dir, "snapshot_", "snapshot-v3.schema.json")
    validate_snapshot_files(out_dir, "snapshot6_", "snapshot6-v5.schema.json")
    status = schema_check.validate_lines(os.path.join(out_dir, "status.jsonl"),
                                         schema_check.load("collect-status.schema.json"))
    return snaps, status


def validate_snapshot_files(out_dir, prefix, schema_name):
    """Validates every line of the PREFIX + hour files of out_dir; returns the parsed lines."""
    schema = schema_check.load(schema_name)
    lines = []
    for path in sorted(glob.glob(os.path.join(out_dir, prefix + "[0-9]*.jsonl"))):
        lines += schema_check.validate_lines(path, schema)
    return lines


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

    def snapshots6(self):
        """The IPv6 companion lines (snapshot6_ files), validated against their schema."""
        return validate_snapshot_files(self.out_dir, "snapshot6_", "snapshot6-v5.schema.json")

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
