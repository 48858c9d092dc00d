"""The --trigger-socket of `ibsr record-incident` on the real kernel: permissions, the four
commands and their effect on the capture, hostile input, stale and live socket files."""
import datetime
import json
import os
import socket
import stat
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from incident_lib import (IBSR, IncidentTestBase, expected_record, read_reply,  # noqa: E402
                          trigger, wait_for)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import metrics_file  # noqa: E402

from scapy.all import IP, TCP  # noqa: E402


class SocketTestBase(IncidentTestBase):
    def setUp(self):
        super().setUp()
        self.sock = os.path.join(self.tmp, "ibsr.sock")

    def frames(self, n, host):
        return [self.c2s() / IP(src="198.51.100.%d" % host, dst=self.pair.srv_ip) /
                TCP(sport=1000 + i, dport=80, flags="S", seq=i) for i in range(n)]

    def status(self):
        reply = trigger(self.sock, {"action": "status"})
        self.assertTrue(reply["ok"], reply)
        return reply["status"]


class Commands(SocketTestBase):
    def test_socket_mode_commands_and_trigger_rotation(self):
        r = self.recorder("--tag", "base", "--sample-rate", 1000, "--trigger-socket", self.sock,
                          "--status-interval-sec", 3600).start()
        st = os.lstat(self.sock)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o660)
        self.assertEqual(os.listdir(self.tmp).count("ibsr.sock"), 1)
        self.assertEqual([n for n in os.listdir(self.tmp) if n.startswith(".ibsr-sock")], [])
        self.assertEqual(trigger(self.sock, {"action": "status"}),
                         {"ok": True, "status": {"sampling_active": 1, "rate": 1000,
                                                 "tag": "base", "trigger_ts": None,
                                                 "deadline_ts": None}})

        self.assertEqual(trigger(self.sock, {"action": "set-sample-rate", "rate": 1}),
                         {"ok": True})
        base_frames = self.frames(5, 1)
        self.send(base_frames)
        r.wait_records(5)

        t0 = int(time.time())
        self.assertEqual(trigger(self.sock, {"action": "trigger", "tag": "inc-A", "rate": 1,
                                             "duration_sec": 600}), {"ok": True})
        t1 = int(time.time())
        s = self.status()
        self.assertTrue(t0 <= s["trigger_ts"] <= t1)
        self.assertEqual(s, {"sampling_active": 1, "rate": 1, "tag": "inc-A",
                             "trigger_ts": s["trigger_ts"], "deadline_ts": s["trigger_ts"] + 600})
        a_frames = self.frames(7, 2)
        self.send(a_frames)
        r.wait_records(12)

        self.assertEqual(trigger(self.sock, {"action": "stop"}), {"ok": True})
        self.assertEqual(self.status()["sampling_active"], 0)
        self.send(self.frames(4, 3))  # not sampled

        self.assertEqual(trigger(self.sock, {"action": "trigger", "tag": "inc-B"}), {"ok": True})
        self.assertEqual(self.status()["rate"], 1)  # unchanged without "rate"
        self.assertIsNone(self.status()["deadline_ts"])
        b_frames = self.frames(3, 4)
        self.send(b_frames)
        r.wait_records(15)
        self.assertEqual(r.stop(), 0, r.stderr())
        self.assertFalse(os.path.exists(self.sock))

        dirs = sorted(os.path.basename(d) for d in r.run_dirs())
        self.assertEqual(len(dirs), 3, dirs)
        self.assertRegex(dirs[0], r"^base-\d+$")
        self.assertEqual(dirs[1], "inc-A-%d" % s["trigger_ts"])
        self.assertRegex(dirs[2], r"^inc-B-\d+$")
        from incident_lib import read_pcap
        for d, frames in zip(dirs, (base_frames, a_frames, b_frames)):
            path = os.path.join(self.out, d, "packets.pcap")
            self.assertEqual([x.key() for x in read_pcap(path)[1]],
                             [expected_record(bytes(f)) for f in frames])
        st = r.status()[-1]
        self.assertEqual((st["rotations"], st["size_driven_rotations"], st["events_written"]),
                         (2, 0, 15))

    def test_trigger_duration_stops_sampling(self):
        r = self.recorder("--sample-rate", 1, "--trigger-socket", self.sock).start()
        self.assertEqual(trigger(self.sock, {"action": "trigger", "tag": "short", "rate": 1,
                                             "duration_sec": 1}), {"ok": True})
        wait_for(lambda: self.status()["sampling_active"] == 0, timeout=5,
                 what="sampling to stop at the deadline")
        self.send(self.frames(6, 5))
        time.sleep(0.3)
        self.assertEqual(r.stop(), 0, r.stderr())
        self.assertEqual(r.status()[-1]["events_written"], 0)
        self.assertIn("reached its duration", r.stderr())


HOSTILE = [
    (b"not json\n", "invalid JSON"),
    (b"\xff\xfe{}\n", "invalid JSON"),
    (b"\n", "invalid JSON"),
    (b"[1,2]\n", "command must be a JSON object"),
    (b"\"status\"\n", "command must be a JSON object"),
    (b"[" * 2000 + b"]" * 2000 + b"\n", "command must be a JSON object"),
    (b"{}\n", "missing field 'action'"),
    (b'{"action":5}\n', "'action' must be a string"),
    (b'{"action":"explode"}\n', "unknown action (expected set-sample-rate, trigger, stop or status)"),
    (b'{"action":"STATUS"}\n', "unknown action (expected set-sample-rate, trigger, stop or status)"),
    (b'{"action":"stop","x":1}\n', "unknown field in command"),
    (b'{"action":"set-sample-rate"}\n', "missing field 'rate'"),
    (b'{"action":"set-sample-rate","rate":0}\n', "rate must be >= 1"),
    (b'{"action":"set-sample-rate","rate":-3}\n', "rate must be >= 1"),
    (b'{"action":"set-sample-rate","rate":1000000000000}\n', "rate must be <= 1000000000"),
    (b'{"action":"set-sample-rate","rate":18446744073709551616}\n', "rate must be an integer"),
    (b'{"action":"set-sample-rate","rate":1e30}\n', "rate must be an integer"),
    (b'{"action":"set-sample-rate","rate":2.5}\n', "rate must be an integer"),
    (b'{"action":"set-sample-rate","rate":"10"}\n', "rate must be an integer"),
    (b'{"action":"set-sample-rate","rate":true}\n', "rate must be an integer"),
    (b'{"action":"set-sample-rate","rate":null}\n', "rate must be an integer"),
    (b'{"action":"trigger"}\n', "missing field 'tag'"),
    (b'{"action":"trigger","tag":5}\n', "'tag' must be a string"),
    (b'{"action":"trigger","tag":"../etc"}\n', "tag may only contain [A-Za-z0-9_-]"),
    (b'{"action":"trigger","tag":"a/b"}\n', "tag may only contain [A-Za-z0-9_-]"),
    (b'{"action":"trigger","tag":"a.b"}\n', "tag may only contain [A-Za-z0-9_-]"),
    (b'{"action":"trigger","tag":"a b"}\n', "tag may only contain [A-Za-z0-9_-]"),
    (b'{"action":"trigger","tag":"caf\\u00e9"}\n', "tag may only contain [A-Za-z0-9_-]"),
    (b'{"action":"trigger","tag":"a\\u0000b"}\n', "tag may only contain [A-Za-z0-9_-]"),
    (b'{"action":"trigger","tag":""}\n', "tag must not be empty"),
    (b'{"action":"trigger","tag":"' + b"x" * 65 + b'"}\n',
     "tag is 65 characters long; at most 64 are allowed"),
    (b'{"action":"trigger","tag":"ok","rate":0}\n', "rate must be >= 1"),
    (b'{"action":"trigger","tag":"ok","duration_sec":0}\n', "duration_sec must be >= 1"),
    (b'{"action":"trigger","tag":"ok","duration_sec":-5}\n', "duration_sec must be >= 1"),
    (b'{"action":"trigger","tag":"ok","duration_sec":"5"}\n', "duration_sec must be an integer"),
    (b"{" + b" " * 5000 + b"}\n", "command longer than 4096 bytes"),
    (b"x" * 100000, "command longer than 4096 bytes"),
]


class Hostile(SocketTestBase):
    def test_every_hostile_input_gets_an_error_and_the_server_keeps_serving(self):
        r = self.recorder("--sample-rate", 7, "--trigger-socket", self.sock,
                          "--socket-timeout-ms", 500).start()
        for payload, error in HOSTILE:
            reply = trigger(self.sock, payload, raw=True)
            self.assertEqual(reply, {"ok": False, "error": error}, payload[:80])
            self.assertEqual(self.status()["rate"], 7)
        # Seed 004's example reply, byte for byte.
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.sock)
        s.sendall(b'{"action":"set-sample-rate","rate":0}\n')
        self.assertEqual(s.makefile("rb").readline(), b'{"ok":false,"error":"rate must be >= 1"}\n')
        s.close()
        # A command without its newline, then EOF, is still answered.
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.sock)
        s.sendall(b'{"action":"status"}')
        s.shutdown(socket.SHUT_WR)
        self.assertTrue(read_reply(s)["ok"])
        s.close()
        self.assertEqual(r.proc.poll(), None)
        self.assertEqual(r.stop(), 0, r.stderr())

    def test_silent_connection_times_out_without_blocking_others(self):
        r = self.recorder("--trigger-socket", self.sock, "--socket-timeout-ms", 1500).start()
        silent = socket.socket(socket.AF_UNIX)
        silent.connect(self.sock)
        t0 = time.monotonic()
        self.assertEqual(self.status()["rate"], 1000)  # served while the silent one waits
        self.assertLess(time.monotonic() - t0, 1.0)
        silent.settimeout(10)
        self.assertEqual(read_reply(silent),
                         {"ok": False, "error": "timed out waiting for a command"})
        self.assertGreaterEqual(time.monotonic() - t0, 1.4)
        silent.close()
        self.assertEqual(r.stop(), 0, r.stderr())

    def test_many_concurrent_connections_are_bounded(self):
        r = self.recorder("--trigger-socket", self.sock, "--socket-timeout-ms", 3000).start()
        conns = []
        for _ in range(100):
            s = socket.socket(socket.AF_UNIX)
            s.connect(self.sock)
            s.settimeout(10)
            conns.append(s)
        replies = [read_reply(s)["error"] for s in conns]  # held ones answer at the timeout
        for s in conns:
            s.close()
        self.assertEqual(replies.count("too many connections; try again"), 36)
        self.assertEqual(replies.count("timed out waiting for a command"), 64)
        self.assertEqual(self.status()["sampling_active"], 1)
        self.assertEqual(r.stop(), 0, r.stderr())


class SocketFile(SocketTestBase):
    def test_stale_socket_is_replaced(self):
        stale = socket.socket(socket.AF_UNIX)
        stale.bind(self.sock)
        stale.close()  # the file stays, nobody listens
        self.assertTrue(os.path.exists(self.sock))
        r = self.recorder("--trigger-socket", self.sock).start()
        self.assertEqual(stat.S_IMODE(os.lstat(self.sock).st_mode), 0o660)
        self.assertEqual(self.status()["tag"], "ad-hoc")
        self.assertEqual(r.stop(), 0, r.stderr())
        self.assertFalse(os.path.exists(self.sock))

    def test_live_socket_is_an_error_and_nothing_is_attached(self):
        live = socket.socket(socket.AF_UNIX)
        live.bind(self.sock)
        live.listen(1)
        self.addCleanup(live.close)
        r = self.recorder("--trigger-socket", self.sock).start(wait_attached=False)
        self.assertEqual(r.wait(30), 1)
        self.assertIn("is in use: another process is listening on it", r.stderr())
        self.assertNotIn("clsact", self.qdiscs())
        # Still the test's socket: it accepts.
        c = socket.socket(socket.AF_UNIX)
        c.connect(self.sock)
        c.close()
        self.assertEqual([n for n in os.listdir(self.tmp) if n.startswith(".ibsr-sock")], [])

    def test_non_socket_at_path_is_left_alone(self):
        with open(self.sock, "w") as f:
            f.write("precious\n")
        r = self.recorder("--trigger-socket", self.sock).start(wait_attached=False)
        self.assertEqual(r.wait(30), 1)
        self.assertIn("exists and is not a socket", r.stderr())
        with open(self.sock) as f:
            self.assertEqual(f.read(), "precious\n")


def iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


class Client(SocketTestBase):
    """`ibsr incident`, the client of the socket, against a real record-incident."""

    def client(self, *args, socket_path=None, prefix=()):
        t0 = time.monotonic()
        p = subprocess.run(list(prefix) + [IBSR, "incident"] + [str(a) for a in args]
                           + ["--socket", socket_path or self.sock],
                           capture_output=True, text=True, timeout=60)
        self.elapsed = time.monotonic() - t0
        return p.returncode, p.stdout, p.stderr

    def test_every_command_through_the_client(self):
        r = self.recorder("--tag", "base", "--sample-rate", 1000, "--trigger-socket", self.sock,
                          "--status-interval-sec", 3600).start()
        self.assertEqual(self.client("status"), (0, "sampling_active: 1\nrate: 1000\ntag: base\n"
                                                    "trigger_ts: none\ndeadline_ts: none\n", ""))
        self.assertEqual(self.client("set-sample-rate", 3), (0, "ok\n", ""))
        self.assertEqual(self.status()["rate"], 3)

        t0 = int(time.time())
        self.assertEqual(self.client("trigger", "--tag", "inc-A", "--sample-rate", 1,
                                     "--duration-sec", 600), (0, "ok\n", ""))
        t1 = int(time.time())
        s = self.status()
        self.assertTrue(t0 <= s["trigger_ts"] <= t1)
        self.assertEqual(s, {"sampling_active": 1, "rate": 1, "tag": "inc-A",
                             "trigger_ts": s["trigger_ts"], "deadline_ts": s["trigger_ts"] + 600})
        ts, dl = s["trigger_ts"], s["deadline_ts"]
        self.assertEqual(self.client("status"), (
            0, "sampling_active: 1\nrate: 1\ntag: inc-A\ntrigger_ts: %d (%s)\n"
               "deadline_ts: %d (%s)\n" % (ts, iso(ts), dl, iso(dl)), ""))
        # --json prints the reply line byte for byte; --socket may come before the command.
        p = subprocess.run([IBSR, "incident", "--socket", self.sock, "--json", "status"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual((p.returncode, p.stdout, p.stderr), (
            0, '{"ok":true,"status":{"sampling_active":1,"rate":1,"tag":"inc-A",'
               '"trigger_ts":%d,"deadline_ts":%d}}\n' % (ts, dl), ""))

        self.assertEqual(self.client("stop"), (0, "ok\n", ""))
        self.assertEqual(self.status()["sampling_active"], 0)
        self.assertEqual(self.client("stop", "--json"), (0, '{"ok":true}\n', ""))

        # A trigger without --sample-rate or --duration-sec keeps the rate, sets no deadline.
        self.assertEqual(self.client("trigger", "--tag", "inc-B"), (0, "ok\n", ""))
        self.assertEqual(self.status(), {"sampling_active": 1, "rate": 1, "tag": "inc-B",
                                         "trigger_ts": self.status()["trigger_ts"],
                                         "deadline_ts": None})
        self.assertEqual(r.stop(), 0, r.stderr())
        dirs = sorted(os.path.basename(d) for d in r.run_dirs())
        self.assertEqual(len(dirs), 3, dirs)
        self.assertRegex(dirs[0], r"^base-\d+$")
        self.assertEqual(dirs[1], "inc-A-%d" % ts)
        self.assertRegex(dirs[2], r"^inc-B-\d+$")

    def test_server_refusal_is_printed_and_exits_1(self):
        self.recorder("--sample-rate", 7, "--trigger-socket", self.sock).start()
        refused = "ibsr incident: record-incident refused the command: "
        self.assertEqual(self.client("set-sample-rate", 0),
                         (1, "", refused + "rate must be >= 1\n"))
        self.assertEqual(self.client("set-sample-rate", 1000000001),
                         (1, "", refused + "rate must be <= 1000000000\n"))
        self.assertEqual(self.client("trigger", "--tag", "../etc"),
                         (1, "", refused + "tag may only contain [A-Za-z0-9_-]\n"))
        self.assertEqual(self.client("trigger", "--tag", "ok", "--duration-sec", 0),
                         (1, "", refused + "duration_sec must be >= 1\n"))
        self.assertEqual(self.client("trigger", "--tag", "x" * 65),
                         (1, "", refused + "tag is 65 characters long; at most 64 are allowed\n"))
        self.assertEqual(self.client("set-sample-rate", 0, "--json"),
                         (1, '{"ok":false,"error":"rate must be >= 1"}\n',
                          refused + "rate must be >= 1\n"))
        self.assertEqual(self.status(), {"sampling_active": 1, "rate": 7, "tag": "ad-hoc",
                                         "trigger_ts": None, "deadline_ts": None})

    def test_no_listener(self):
        missing = os.path.join(self.tmp, "missing.sock")
        self.assertEqual(self.client("status", socket_path=missing), (
            1, "", "ibsr incident: no record-incident is listening on '%s': "
                   "No such file or directory\n" % missing))
        stale = socket.socket(socket.AF_UNIX)
        stale.bind(self.sock)
        stale.close()  # the file stays, nobody listens
        self.assertEqual(self.client("stop"), (
            1, "", "ibsr incident: no record-incident is listening on '%s': "
                   "Connection refused\n" % self.sock))
        os.unlink(self.sock)
        # Not in the socket's group (here: a directory it cannot enter).
        self.recorder("--trigger-socket", self.sock).start()
        self.assertEqual(self.client("status", prefix=("setpriv", "--reuid", "65534", "--regid",
                                                       "65534", "--clear-groups")), (
            1, "", "ibsr incident: cannot connect to '%s': Permission denied\n" % self.sock))
        # -i IFACE: the packaged record-incident@IFACE's socket.
        p = subprocess.run([IBSR, "incident", "-i", "ibsrnone0", "status"], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual((p.returncode, p.stdout, p.stderr), (
            1, "", "ibsr incident: no record-incident is listening on "
                   "'/run/ibsr/trigger-ibsrnone0.sock': No such file or directory\n"))
        long_path = "/tmp/" + "x" * 200
        self.assertEqual(self.client("status", socket_path=long_path), (
            1, "", "ibsr incident: socket path '%s' is empty or longer than 107 bytes\n"
                   % long_path))

    def test_a_server_that_never_answers_times_out_after_5_seconds(self):
        mute = socket.socket(socket.AF_UNIX)
        mute.bind(self.sock)
        mute.listen(1)  # accepts (in the kernel) and never replies
        self.addCleanup(mute.close)
        self.assertEqual(self.client("status"), (
            1, "", "ibsr incident: no reply from '%s' within 5000 ms "
                   "(record-incident busy or hung?)\n" % self.sock))
        self.assertGreaterEqual(self.elapsed, 4.9)
        self.assertLess(self.elapsed, 8)

    def test_usage_errors_exit_2_with_one_line(self):
        hint = " (run 'ibsr incident --help')\n"
        cases = [
            ((), "a command is required: trigger, set-sample-rate, status or stop"),
            (("explode",), "unknown command 'explode'"),
            (("--bogus",), "unexpected argument '--bogus'"),
            (("trigger", "--tag", "t", "extra"), "unexpected argument 'extra'"),
            (("set-sample-rate", "1", "2"), "unexpected argument '2'"),
            (("status", "--socket"), "--socket: 1 required PATH missing"),
            (("trigger",), "--tag is required"),
            (("set-sample-rate",), "rate is required"),
            (("set-sample-rate", "abc"), "rate: 'abc' is not a whole number"),
            (("set-sample-rate", "-3"), "rate: '-3' is not a whole number"),
            (("set-sample-rate", "99999999999999999999"),
             "rate: '99999999999999999999' is not a whole number"),
            (("trigger", "--tag", "t", "--sample-rate", ""),
             "--sample-rate: '' is not a whole number"),
            (("trigger", "--tag", "t", "--duration-sec", "1.5"),
             "--duration-sec: '1.5' is not a whole number"),
            (("status", "--bogus"), "unexpected argument '--bogus'"),
            (("status", "stop"), "unexpected argument 'stop'"),
            (("-i", "eth0", "--socket", "/x", "status"),
             "--socket excludes --interface"),
            (("-i", "../x", "status"), "--interface: '../x' is not an interface name"),
            (("-i", "a" * 16, "status"),
             "--interface: '%s' is not an interface name" % ("a" * 16)),
        ]
        for args, error in cases:
            p = subprocess.run([IBSR, "incident"] + list(args), capture_output=True, text=True,
                               timeout=60)
            self.assertEqual((p.returncode, p.stdout, p.stderr),
                             (2, "", "ibsr incident: " + error + hint), args)

    def test_help(self):
        p = subprocess.run([IBSR, "--help"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0)
        self.assertIn("\n  incident         control a running record-incident: trigger, "
                      "set-sample-rate, status, stop\n", p.stdout)
        p = subprocess.run([IBSR, "incident", "--help"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        for text in ("/run/ibsr/trigger.sock", "trigger", "set-sample-rate", "status", "stop",
                     "Exit codes:", "Examples:"):
            self.assertIn(text, p.stdout)
        p = subprocess.run([IBSR, "incident", "trigger", "--help"], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        self.assertIn("--duration-sec", p.stdout)


class Metrics(SocketTestBase):
    """--metrics-file follows the run: trigger state and sample rate as the socket reports them,
    every count exactly the heartbeat's and the disk's."""

    def metrics_after_next_heartbeat(self, r):
        seen = len(r.status())
        wait_for(lambda: len(r.status()) > seen, timeout=10, what="the next heartbeat")
        time.sleep(0.3)  # the metrics file is replaced right after the heartbeat line
        return metrics_file.check(self, self.prom)

    def test_metrics_file_matches_the_run(self):
        self.prom = os.path.join(self.tmp, "ibsr-record-incident.prom")
        r = self.recorder("--tag", "base", "--sample-rate", 1000, "--trigger-socket", self.sock,
                          "--status-interval-sec", 1, "--metrics-file", self.prom).start()
        labels = {"mode": "record-incident", "interface": self.pair.srv_if}
        m = self.metrics_after_next_heartbeat(r)
        self.assertEqual((m.get1("ibsr_incident_sampling_active", **labels),
                          m.get1("ibsr_incident_trigger_active", **labels),
                          m.get1("ibsr_incident_sample_rate", **labels)), (1, 0, 1000))

        self.assertEqual(trigger(self.sock, {"action": "trigger", "tag": "inc", "rate": 1}),
                         {"ok": True})
        self.send(self.frames(7, 1))
        r.wait_records(7)
        m = self.metrics_after_next_heartbeat(r)
        self.assertEqual((m.get1("ibsr_incident_sampling_active", **labels),
                          m.get1("ibsr_incident_trigger_active", **labels),
                          m.get1("ibsr_incident_sample_rate", **labels)), (1, 1, 1))

        self.assertEqual(trigger(self.sock, {"action": "stop"}), {"ok": True})
        self.assertEqual(r.stop(), 0, r.stderr())
        m = metrics_file.check(self, self.prom)  # the final write at shutdown
        status = r.status()
        st = status[-1]
        self.assertEqual((m.get1("ibsr_incident_sampling_active", **labels),
                          m.get1("ibsr_incident_trigger_active", **labels)), (0, 0))
        self.assertEqual(m.get1("ibsr_cycles_total", **labels), st["cycle"])
        self.assertEqual(m.get1("ibsr_cycles_total", **labels), len(status))
        self.assertEqual(m.get1("ibsr_last_success_timestamp_seconds", **labels), st["timestamp"])
        self.assertEqual(m.get1("ibsr_incident_packets_written_total", **labels),
                         st["events_written"])
        self.assertEqual(st["events_written"], 7)
        self.assertEqual(m.get1("ibsr_incident_pcap_files_total", **labels), st["rotations"] + 1)
        self.assertEqual(m.get1("ibsr_incident_pcap_files_total", **labels), len(r.pcaps()))
        self.assertEqual(len(r.pcaps()), 2)  # base, then the trigger's
        self.assertEqual(m.get1("ibsr_incident_disk_bytes", **labels), st["disk_bytes"])
        self.assertEqual(m.get1("ibsr_ringbuf_drops_total", **labels), st["ringbuf_drops"])
        self.assertEqual(m.get1("ibsr_write_errors_total", artefact="pcap", **labels),
                         st["events_write_errors"])
        self.assertEqual(m.get1("ibsr_write_errors_total", artefact="status", **labels), 0)
        self.assertEqual(m.get1("ibsr_budget_deleted_files_total", **labels),
                         st["budget_deleted_files"])
        self.assertEqual(m.get1("ibsr_budget_deleted_bytes_total", **labels),
                         st["budget_deleted_bytes"])
        self.assertEqual(m.get1("ibsr_incident_archived_total", **labels), st["archived"])
        self.assertEqual(m.get1("ibsr_metrics_write_errors_total", **labels), 0)
        self.assertEqual(len(m), 15)


if __name__ == "__main__":
    unittest.main()
