"""An `ibsr` subcommand running inside a network namespace: started, read (stderr collected by a
thread), waited for until it reports it attached, stopped by signal, killed on cleanup."""
import os
import signal
import subprocess
import threading

from netns import wait_for

BUILD = os.environ.get("IBSR_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../../build"))
IBSR = os.path.join(BUILD, "src", "cli", "ibsr")


class IbsrProcess:
    # Subclasses set: the stderr text that means "attached", and a name for messages.
    READY = "attached"
    NAME = "ibsr"

    def __init__(self, pair, args, ns=None):
        self.pair = pair
        self.args = [IBSR] + [str(a) for a in args]
        self.ns = ns or pair.srv
        self.stderr_lines = []
        self.proc = None
        self.env = None   # the environment to start with (None: ours)
        self.wrap = []    # a command the process runs under, e.g. setpriv ... (tests of privilege)

    def start(self, wait_attached=True):
        self.proc = self.pair.popen(self.ns, *(self.wrap + self.args), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True, env=self.env)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if wait_attached:
            wait_for(lambda: self.attached_line() or self.proc.poll() is not None, timeout=20,
                     what="%s to attach" % self.NAME)
            if self.proc.poll() is not None:
                raise AssertionError("%s exited early (%s): %s"
                                     % (self.NAME, self.proc.returncode, self.stderr()))
        return self

    def _read(self):
        with self.proc.stderr:
            for line in self.proc.stderr:
                self.stderr_lines.append(line.rstrip("\n"))

    def stderr(self):
        return "\n".join(self.stderr_lines)

    def attached_line(self):
        return next((l for l in self.stderr_lines if self.READY in l), None)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        self.proc.send_signal(sig)
        return self.wait(timeout)

    def wait(self, timeout=60):
        rc = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return rc

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
