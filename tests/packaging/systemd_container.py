"""A real systemd, booted as PID 1 of a new PID and mount namespace inside a network namespace the
test created, so the installed units run exactly as on a host: Type=notify, the watchdog,
User=, capabilities, sandboxing, EnvironmentFile=. The test machine's own PID 1 is not systemd,
and the units must still be tried for real.

It shares the host's filesystem (it sees the installed package) except /run, /tmp and /var/tmp,
which are fresh tmpfs: the only things it starts are a target of its own, the units the test
asks for and what they pull in, with the host's boot-time jobs (tmpfiles, wait-online) masked,
and its journal is volatile (/run/log/journal). Stopping it kills the namespace's processes and
removes the cgroups it made, leaving the machine as it was."""
import os
import subprocess
import time

SYSTEMD = "/lib/systemd/systemd"
CGROUP_ROOTS = ("/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified", "/sys/fs/cgroup")

_BOOT = r"""
set -e
mount -t tmpfs -o mode=0755 tmpfs /run
# This network namespace's view of /sys/class/net, with the machine's cgroup hierarchies kept
# (so the cgroups systemd makes are visible to, and removed by, SystemdContainer.stop).
mkdir /run/cgroup && mount --rbind /sys/fs/cgroup /run/cgroup
mount -t sysfs sysfs /sys
mount --rbind /run/cgroup /sys/fs/cgroup && umount -l /run/cgroup
# Private /tmp and /var/tmp: PrivateTmp= units make their directories there, never on the host.
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=1777 tmpfs /var/tmp
mkdir -p /run/systemd/system /run/systemd/journald.conf.d
# Never the host's boot-time jobs: tmpfiles --remove would empty the host's /tmp, and nothing
# here waits for a network manager.
for u in systemd-tmpfiles-setup.service systemd-tmpfiles-setup-dev.service \
    systemd-tmpfiles-clean.timer systemd-tmpfiles-clean.service \
    systemd-networkd-wait-online.service NetworkManager-wait-online.service \
    ifupdown-wait-online.service; do
  ln -s /dev/null /run/systemd/system/$u
done
printf '[Unit]\nDescription=IBSR package test\nWants=systemd-journald.socket\n' \
  >/run/systemd/system/ibsr-package-test.target
printf '[Journal]\nStorage=volatile\nReadKMsg=no\n' >/run/systemd/journald.conf.d/volatile.conf
exec env container=ibsr-package-test %s --system --unit=ibsr-package-test.target \
  --log-target=console --log-level=warning
""" % SYSTEMD


def _cgroup_dirs():
    dirs = set()
    for root in CGROUP_ROOTS:
        if not os.path.isdir(root):
            continue
        for path, subdirs, _ in os.walk(root):
            dirs.update(os.path.join(path, d) for d in subdirs)
    return dirs


class SystemdContainer:
    def __init__(self, netns, log_path):
        self.netns = netns
        self.log_path = log_path
        self.proc = None
        self.pid = None
        self._cgroups_before = set()

    def start(self, timeout=30):
        self._cgroups_before = _cgroup_dirs()
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            ["nsenter", "--net=/run/netns/" + self.netns, "unshare", "--pid", "--fork", "--mount",
             "--mount-proc", "--propagation", "private", "sh", "-c", _BOOT],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pid = self._systemd_pid()
            if self.pid:
                r = self.run("systemctl", "is-system-running", check=False, timeout=10)
                if r.stdout.strip() in ("running", "degraded"):
                    return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise AssertionError("systemd did not boot in the container: %s" % self.boot_log())

    def _systemd_pid(self):
        """The host PID of the container's PID 1: the systemd among unshare's descendants."""
        todo, target = [self.proc.pid], os.path.realpath(SYSTEMD)
        while todo:
            pid = todo.pop()
            try:
                if os.readlink("/proc/%d/exe" % pid) == target:
                    return pid
                with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                    todo.extend(int(p) for p in f.read().split())
            except OSError:
                pass
        return None

    def boot_log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()[-3000:]

    def run(self, *cmd, check=True, timeout=120, input=None):
        """A command inside the container (its PID and mount namespaces, so systemctl talks to
        its systemd and sees its /run)."""
        r = subprocess.run(["nsenter", "-t", str(self.pid), "-m", "-p", "-n", *cmd],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout, input=input)
        if check and r.returncode != 0:
            raise AssertionError("%s failed (%d): %s%s" % (" ".join(cmd), r.returncode, r.stdout,
                                                           r.stderr))
        return r

    def systemctl(self, *args, check=True, timeout=120):
        return self.run("systemctl", *args, check=check, timeout=timeout)

    def show(self, unit, prop):
        return self.systemctl("show", "-P", prop, unit).stdout.strip()

    def status(self, unit):
        """`systemctl status` with the unit's last journal lines, for a failure message."""
        return self.systemctl("status", "--no-pager", "-l", "-n", "30", unit, check=False).stdout

    def journal(self, unit):
        return self.run("journalctl", "--no-pager", "-o", "cat", "-u", unit, check=False).stdout

    def stop(self):
        if self.proc is None:
            return
        if self.pid:
            # SIGKILL to a PID namespace's init ends every process in it.
            try:
                os.kill(self.pid, 9)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._log.close()
        # The cgroups that systemd made, deepest first (they are empty once its processes died).
        for d in sorted(_cgroup_dirs() - self._cgroups_before, key=len, reverse=True):
            for _ in range(50):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)
        self.proc = None
