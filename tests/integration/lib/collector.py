"""Runs `ibsr collect` inside a namespace and reads what it wrote."""
import glob
import json
import os
import signal
import subprocess
import threading
import time

from netns import wait_for

BUILD = os.environ.get("IBSR_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../../build"))
IBSR = os.path.join(BUILD, "src", "cli", "ibsr")


class Collector:
    def __init__(self, pair, out_dir, ports, *extra, ns=None, iface=None):
        self.pair = pair
        self.out_dir = out_dir
        self.args = [IBSR, "collect", "-i", iface or pair.srv_if, "--out-dir", out_dir]
        for p in ports:
            self.args += ["-p", str(p)]
        self.args += [str(a) for a in extra]
        self.ns = ns or pair.srv
        self.stderr_lines = []
        self.proc = None

    def start(self, wait_attached=True):
        self.proc = self.pair.popen(self.ns, *self.args, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if wait_attached:
            wait_for(lambda: self.attached_line() or self.proc.poll() is not None, timeout=20,
                     what="collector to attach")
            if self.proc.poll() is not None:
                raise AssertionError("collector exited early (%s): %s"
                                     % (self.proc.returncode, self.stderr()))
        return self

    def _read(self):
        with self.proc.stderr:
            for line in self.proc.stderr:
                self.stderr_lines.append(line.rstrip("\n"))

    def stderr(self):
        return "\n".join(self.stderr_lines)

    def attached_line(self):
        return next((l for l in self.stderr_lines if "attached XDP" in l), None)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return rc

    def wait(self, timeout=60):
        rc = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return rc

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

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
