"""test_soak.py stopped by SIGTERM midway (collectors, exporter and S3 server running) leaves
nothing behind: no process, no network namespace, no tmpfs mount, no directory under /tmp.

Only what that run made is looked at (its own namespaces, its own temporary directory), so other
tests running on the host at the same time do not disturb the check.
"""
import os
import re
import signal
import subprocess
import sys
import time
import unittest

SOAK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_soak.py")


def children(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return [int(c) for c in f.read().split()]


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().decode(errors="replace").split("\0")
    except (FileNotFoundError, ProcessLookupError):
        return []


def processes_naming(text):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            args = cmdline(int(entry))
            if any(text in a for a in args):
                found.append("%s %s" % (entry, " ".join(args)))
    return found


def mounts_under(path):
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4] for line in f if line.split()[4].startswith(path)]


def namespaces():
    out = subprocess.run(["ip", "netns", "list"], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


class SoakCleanupTest(unittest.TestCase):
    def test_sigterm_midway_leaves_nothing_behind(self):
        soak = subprocess.Popen(["/usr/bin/python3", "-u", SOAK, "-v"], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.addCleanup(soak.stdout.close)
        try:
            # Midway: ibsr collect runs, so the namespaces, the tmpfs and the S3 server exist.
            root = None
            deadline = time.monotonic() + 300
            while root is None and time.monotonic() < deadline and soak.poll() is None:
                for child in children(soak.pid):
                    args = cmdline(child)
                    if "collect" in args and "--out-dir" in args:
                        out_dir = args[args.index("--out-dir") + 1]
                        root = re.sub(r"/var/snapshots$", "", out_dir)
                time.sleep(0.2)
            self.assertIsNotNone(root, "the soak test never started ibsr collect")
            self.assertTrue(mounts_under(root + "/"), "no tmpfs under " + root)
            self.assertTrue(processes_naming(root))
            time.sleep(5)  # the exporter loop and the traffic are under way
            soak.send_signal(signal.SIGTERM)
            out, _ = soak.communicate(timeout=400)
        except BaseException:
            os.killpg(soak.pid, signal.SIGKILL)
            soak.wait()
            raise
        tag = soak.pid % 100000
        self.assertNotEqual(soak.returncode, 0, out)
        self.assertIn("Terminated: stopped by SIGTERM", out)
        self.assertEqual(processes_naming(root), [], out)
        self.assertEqual(mounts_under(root + "/"), [], out)
        self.assertFalse(os.path.exists(root), out)
        # NsPair's names: the pid's last five digits and the pair's number (the soak makes one).
        self.assertEqual({"ibsr-s%d0" % tag, "ibsr-c%d0" % tag} & namespaces(), set(), out)


if __name__ == "__main__":
    unittest.main()
