"""The Debian package, end to end, as an operator meets it: built with cpack from this build,
installed with apt, its files checked, its units verified, then run for real under systemd
(booted in a container of the test's own: tests/packaging/systemd_container.py) as the
unprivileged ibsr user on a veth interface with real traffic, and finally purged, leaving the
machine as it was.

Usage: test_deb_package.py BUILD_DIR (run as root; it installs and removes the package `ibsr`)."""
import glob
import json
import os
import pwd
import grp
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration", "lib"))
from netns import NsPair, wait_for  # noqa: E402
from systemd_container import SystemdContainer  # noqa: E402
import metrics_file  # noqa: E402
import schema_check  # noqa: E402

BUILD = os.path.abspath(sys.argv.pop(1)) if __name__ == "__main__" else os.environ["IBSR_BUILD"]

UNITS = ["ibsr-collect@.service", "ibsr-collect-payload@.service",
         "ibsr-record-incident@.service", "ibsr-export.service", "ibsr-export.timer"]
INSTALLED = (["/usr/sbin/ibsr", "/usr/bin/ibsr-report", "/usr/bin/ibsr-export",
              "/usr/lib/sysusers.d/ibsr.conf", "/usr/lib/tmpfiles.d/ibsr.conf",
              "/etc/logrotate.d/ibsr", "/usr/share/doc/ibsr/README.md",
              "/usr/share/doc/ibsr/examples/collect-IFACE.env"]
             + ["/lib/systemd/system/" + u for u in UNITS]
             + ["/etc/ibsr/%s.env" % m for m in ("collect", "collect-payload",
                                                 "record-incident", "export")])
CONFFILES = ["/etc/ibsr/collect.env", "/etc/ibsr/collect-payload.env",
             "/etc/ibsr/record-incident.env", "/etc/ibsr/export.env", "/etc/logrotate.d/ibsr"]
# What the package or its services may touch, compared before and after (dpkg's and apt's own
# records, caches and logs aside).
WATCHED = ["/etc", "/lib/systemd/system", "/usr/sbin", "/usr/bin", "/usr/lib/sysusers.d",
           "/usr/lib/tmpfiles.d", "/usr/share/doc", "/usr/share/man", "/var/lib/ibsr",
           "/var/log/ibsr", "/run/systemd"]
VOLATILE = re.compile(r"^/etc/(passwd|group|shadow|gshadow)-?$|^/etc/ld\.so\.cache$")
CAPS = {"CAP_NET_ADMIN": 12, "CAP_SYS_ADMIN": 21, "CAP_PERFMON": 38, "CAP_BPF": 39}


def run(*cmd, check=True, timeout=300, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s%s" % (" ".join(cmd), r.returncode, r.stdout,
                                                        r.stderr))
    return r


def installed(pkg="ibsr"):
    r = run("dpkg-query", "-W", "-f", "${Status}", pkg, check=False)
    return r.returncode == 0 and "installed" in r.stdout.split()


def file_tree():
    files = set()
    for top in WATCHED:
        for path, dirs, names in os.walk(top):
            for n in dirs + names:
                p = os.path.join(path, n)
                if not VOLATILE.match(p):
                    files.add(p)
    return files


def cap_names(mask):
    return sorted(name for name, bit in CAPS.items() if mask & (1 << bit)) + \
        (["other:%x" % (mask & ~sum(1 << b for b in CAPS.values()))]
         if mask & ~sum(1 << b for b in CAPS.values()) else [])


class DebianPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if installed():
            # Left by an earlier run that died; this test owns the package name on test machines.
            run("apt-get", "purge", "-y", "-q", "ibsr")
        for name in ("ibsr",):
            if name in (u.pw_name for u in pwd.getpwall()):
                raise AssertionError("a user 'ibsr' exists before the test: remove it first "
                                     "(userdel ibsr) so the test can check what install adds")
        cls.tmp = tempfile.mkdtemp(prefix="ibsr-deb-")
        run("cpack", "--config", os.path.join(BUILD, "CPackConfig.cmake"), "-B", cls.tmp)
        [cls.deb] = glob.glob(os.path.join(cls.tmp, "ibsr_*_*.deb"))
        cls.before = file_tree()
        # Other tests running beside this one take instance locks in /run/ibsr: only whether the
        # directory exists is compared.
        cls.run_ibsr_before = os.path.isdir("/run/ibsr")
        cls.groups_before = {g.gr_name for g in grp.getgrall()}

    @classmethod
    def tearDownClass(cls):
        if installed():
            run("apt-get", "purge", "-y", "-q", "ibsr", check=False)
        shutil.rmtree("/var/lib/ibsr", ignore_errors=True)
        run("userdel", "ibsr", check=False)
        for g in ("ibsr-trigger", "ibsr"):
            if g not in cls.groups_before:
                run("groupdel", g, check=False)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_package(self):
        self.check_control()
        run("apt-get", "install", "-y", "-q", "--no-install-recommends", self.deb, timeout=600)
        self.check_installed_files()
        self.check_user_and_directories()
        self.check_units_verify()
        self.check_man_pages()
        self.run_collect_service()
        self.purge_and_compare()

    def check_control(self):
        info = run("dpkg-deb", "-f", self.deb).stdout
        fields = dict(re.findall(r"^(\S+): (.*)$", info, re.M))
        self.assertEqual(fields["Package"], "ibsr")
        version = run("sh", "-c", "%s/src/cli/ibsr --version" % BUILD).stdout.split()[-1]
        self.assertEqual(fields["Version"], version)
        self.assertEqual(os.path.basename(self.deb),
                         "ibsr_%s_%s.deb" % (version, fields["Architecture"]))
        # Depends: computed by dpkg-shlibdeps from what the binaries link, plus systemd.
        depends = [d.split()[0] for d in fields["Depends"].split(", ")]
        for lib in ("systemd", "libbpf1", "libc6", "libcurl4", "libssl3", "libstdc++6",
                    "libzstd1", "libsystemd0"):
            self.assertIn(lib, depends)
        for tool in ("libgtest-dev", "googletest", "libbenchmark1", "libpcap0.8"):
            self.assertNotIn(tool, depends)
        conffiles = run("sh", "-c", "dpkg-deb --ctrl-tarfile %s | tar -xO ./conffiles"
                        % self.deb).stdout.split()
        self.assertEqual(sorted(conffiles), sorted(CONFFILES))

    def check_installed_files(self):
        listed = set(run("dpkg", "-L", "ibsr").stdout.split())
        for path in INSTALLED:
            self.assertIn(path, listed)
            self.assertTrue(os.path.isfile(path), path)
        for path in ("/usr/sbin/ibsr", "/usr/bin/ibsr-report", "/usr/bin/ibsr-export"):
            self.assertEqual(os.stat(path).st_mode & 0o7777, 0o755, path)
            # Stripped: no symbol table in a shipped binary.
            self.assertNotIn("not stripped", run("file", path).stdout)
        self.assertEqual(os.stat("/etc/ibsr/export.env").st_mode & 0o777, 0o600)
        for prog in ("/usr/sbin/ibsr", "/usr/bin/ibsr-report", "/usr/bin/ibsr-export"):
            out = run(prog, "--version").stdout.strip()
            self.assertRegex(out, r"^%s \d+\.\d+\.\d+$" % os.path.basename(prog))

    def check_user_and_directories(self):
        user = pwd.getpwnam("ibsr")
        self.assertLess(user.pw_uid, 1000)  # a system user
        self.assertEqual(user.pw_shell, "/usr/sbin/nologin")
        self.assertIn("ibsr", grp.getgrnam("ibsr-trigger").gr_mem)
        expect = {"/var/lib/ibsr": (0o751, "ibsr", "ibsr"),
                  "/var/lib/ibsr/snapshots": (0o750, "ibsr", "ibsr"),
                  "/var/lib/ibsr/incidents": (0o2750, "ibsr", "ibsr-trigger"),
                  "/var/lib/ibsr/metrics": (0o755, "ibsr", "ibsr"),
                  "/run/ibsr": (0o2750, "ibsr", "ibsr-trigger")}
        for path, (mode, owner, group) in expect.items():
            st = os.stat(path)
            self.assertEqual((st.st_mode & 0o7777, pwd.getpwuid(st.st_uid).pw_name,
                              grp.getgrgid(st.st_gid).gr_name), (mode, owner, group), path)

    def check_units_verify(self):
        units = ["/lib/systemd/system/" + u.replace("@.", "@eth0.") for u in UNITS]
        r = run("systemd-analyze", "verify", *units, check=False)
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""))

    def check_man_pages(self):
        for page in ("ibsr", "ibsr-collect", "ibsr-collect-payload", "ibsr-record-incident",
                     "ibsr-incident", "ibsr-report", "ibsr-export"):
            path = run("man", "-w", page).stdout.strip()
            self.assertIn(path, set(run("dpkg", "-L", "ibsr").stdout.split()))
            r = run("man", "--warnings", page, env=dict(os.environ, LC_ALL="C.UTF-8",
                                                         MANWIDTH="80", MANPAGER="cat"))
            self.assertEqual(r.stderr, "", page)
            self.assertIn("EXAMPLES", r.stdout, page)

    def run_collect_service(self):
        pair = NsPair()
        self.addCleanup(pair.teardown)
        pair.setup()
        iface = pair.srv_if
        box = SystemdContainer(pair.srv, os.path.join(self.tmp, "systemd.log"))
        self.addCleanup(box.stop)
        box.start()
        # What boot's systemd-tmpfiles-setup does for the package (the container's /run is new).
        box.run("systemd-tmpfiles", "--create", "/usr/lib/tmpfiles.d/ibsr.conf")
        # The operator's part: one env file for the interface, then enable the instance.
        with open("/etc/ibsr/collect-%s.env" % iface, "w") as f:
            f.write('IBSR_INTERFACE_OPTIONS="--dst-port 8899"\n'
                    'IBSR_OPTIONS="--snapshot-interval-sec 1 --max-disk-bytes 1048576"\n')
        unit = "ibsr-collect@%s.service" % iface
        # Type=notify: `start` returns once the collector said READY=1, i.e. once attached.
        r = box.systemctl("enable", "--now", unit, check=False)
        self.assertEqual(r.returncode, 0, r.stderr + box.status(unit))
        self.assertTrue(os.path.islink("/etc/systemd/system/multi-user.target.wants/" + unit))
        self.assertEqual(box.show(unit, "ActiveState"), "active", box.journal(unit))
        self.assertTrue(pair.xdp_attached())
        # MainPID is a PID of the container's namespace: read its /proc there.
        pid = int(box.show(unit, "MainPID"))
        text = box.run("cat", "/proc/%d/status" % pid).stdout
        status = dict(line.split(":\t", 1) for line in text.splitlines())
        ibsr_uid = str(pwd.getpwnam("ibsr").pw_uid)
        self.assertEqual(status["Uid"].split(), [ibsr_uid] * 4)  # no root, not even saved
        self.assertEqual(cap_names(int(status["CapEff"], 16)),
                         ["CAP_BPF", "CAP_NET_ADMIN", "CAP_PERFMON"])
        self.assertEqual(cap_names(int(status["CapBnd"], 16)),
                         ["CAP_BPF", "CAP_NET_ADMIN", "CAP_PERFMON"])
        self.assertEqual(status["NoNewPrivs"], "1")
        self.assertEqual(box.show(unit, "WatchdogUSec"), "1min")

        # 5 SYNs to the monitored port from the peer namespace, one connection each.
        pair.ns(pair.cli, "python3", "-c",
                "import socket\n"
                "for i in range(5):\n"
                "    s = socket.socket(); s.settimeout(2)\n"
                "    try: s.connect(('%s', 8899))\n"
                "    except OSError: pass\n"
                "    s.close()\n" % pair.srv_ip, timeout=30)
        out_dir = "/var/lib/ibsr/snapshots/" + iface

        def counted():
            snaps, _ = self.read_snapshots(out_dir)
            return snaps and any(b["syn"] >= 5 for b in snaps[-1]["buckets"])
        wait_for(counted, timeout=20, what="the SYNs in a snapshot")
        snaps, status_lines = self.read_snapshots(out_dir)
        [bucket] = snaps[-1]["buckets"]
        cli = [int(x) for x in pair.cli_ip.split(".")]
        self.assertEqual((bucket["key_value"], bucket["dst_port"], bucket["syn"]),
                         ((cli[0] << 24) | (cli[1] << 16) | (cli[2] << 8) | cli[3], 8899, 5))
        for path in glob.glob(out_dir + "/*"):
            self.assertEqual(pwd.getpwuid(os.stat(path).st_uid).pw_name, "ibsr", path)
        # Prometheus textfile, readable by node_exporter (promtool is Prometheus's own parser),
        # with the values of this run.
        metrics = "/var/lib/ibsr/metrics/collect-%s.prom" % iface
        wait_for(lambda: os.path.exists(metrics), timeout=10, what=metrics)
        m = metrics_file.check(self, metrics)
        self.assertEqual(m.get1("ibsr_map_entries", mode="collect", interface=iface), 1)
        self.assertGreaterEqual(m.get1("ibsr_cycles_total", interface=iface), 1)
        self.assertEqual(os.stat(metrics).st_mode & 0o777, 0o644)
        # Log lines reach the journal with their priority (journald's stream, JOURNAL_STREAM),
        # so `journalctl -p warning` finds the warnings: on a veth, the native-XDP GSO warning.
        lines = [json.loads(line) for line in box.run(
            "journalctl", "--no-pager", "-o", "json", "-u", unit).stdout.splitlines()]
        prio = {(e["PRIORITY"], str(e["MESSAGE"]).split(":")[1].strip()) for e in lines
                if e.get("_PID") == str(pid)}
        self.assertEqual(prio, {("5", "notice"), ("4", "warning")}, lines)
        # SIGTERM: a final snapshot, detached, a clean exit.
        box.systemctl("stop", unit)
        self.assertEqual(box.show(unit, "Result"), "success")
        self.assertFalse(pair.xdp_attached())
        self.assertGreaterEqual(len(status_lines), 1)
        self.run_incident_service(box, iface)
        box.stop()
        pair.teardown()

    def run_incident_service(self, box, iface):
        """record-incident@ as ibsr: its trigger socket belongs to group ibsr-trigger (the setgid
        /run/ibsr), so a non-root member may use it and a non-member may not."""
        open("/etc/ibsr/record-incident-%s.env" % iface, "w").close()  # may be empty
        unit = "ibsr-record-incident@%s.service" % iface
        r = box.systemctl("start", unit, check=False)
        self.assertEqual(r.returncode, 0, r.stderr + box.status(unit))
        sock = "/run/ibsr/trigger-%s.sock" % iface
        st = box.run("stat", "-c", "%a %U %G %F", sock).stdout.split(None, 3)
        self.assertEqual(st, ["660", "ibsr", "ibsr-trigger", "socket\n"])
        trigger_gid = str(grp.getgrnam("ibsr-trigger").gr_gid)
        as_member = ["setpriv", "--reuid=65534", "--regid=65534", "--groups=" + trigger_gid]
        r = box.run(*as_member, "/usr/sbin/ibsr", "incident", "-i", iface, "status", "--json",
                    check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["status"]["rate"], 1000)
        r = box.run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "/usr/sbin/ibsr", "incident", "status", "--socket", sock, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Permission denied", r.stderr)
        # Its pcaps, under the setgid incident directory, are readable by that group too.
        pcaps = glob.glob("/var/lib/ibsr/incidents/%s/*/packets.pcap" % iface)
        self.assertEqual(len(pcaps), 1)
        st = os.stat(pcaps[0])
        self.assertEqual((pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name,
                          st.st_mode & 0o777), ("ibsr", "ibsr-trigger", 0o640))
        box.systemctl("stop", unit)
        self.assertEqual(box.show(unit, "Result"), "success")

    def read_snapshots(self, out_dir):
        snaps = []
        for path in sorted(glob.glob(os.path.join(out_dir, "snapshot_[0-9]*.jsonl"))):
            with open(path) as f:
                snaps += [json.loads(line) for line in f]
        status_path = os.path.join(out_dir, "status.jsonl")
        status = []
        if os.path.exists(status_path):
            status = schema_check.validate_lines(status_path,
                                                 schema_check.load("collect-status.schema.json"))
        return snaps, status

    def purge_and_compare(self):
        run("apt-get", "purge", "-y", "-q", "ibsr", timeout=600)
        self.assertFalse(installed())
        after = file_tree()
        # What stays is the state directory, with the evidence not yet exported.
        leftover = sorted(p for p in after - self.before if not p.startswith("/var/lib/ibsr"))
        self.assertEqual(leftover, [])
        self.assertEqual(sorted(self.before - after), [])
        self.assertTrue(os.path.isdir("/var/lib/ibsr/snapshots"))
        self.assertFalse(os.path.exists("/etc/ibsr"))
        if not self.run_ibsr_before:
            self.assertFalse(os.path.exists("/run/ibsr"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
