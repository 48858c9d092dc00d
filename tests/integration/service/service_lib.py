"""Helpers for running the live modes as systemd would: a notify socket the test listens on (an
AF_UNIX datagram socket, as NOTIFY_SOCKET), and the setpriv wrapper that starts a mode as a
non-root user with exactly a given capability set."""
import os
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from ibsr_process import IbsrProcess  # noqa: E402
from netns import wait_for  # noqa: E402

NOBODY = 65534


class PayloadProcess(IbsrProcess):
    READY = "and TC ingress/egress to"
    NAME = "collect-payload"


class NotifyListener:
    """Receives sd_notify datagrams at DIR/notify.sock; messages() is [(monotonic time, text)]."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o777)  # a mode running as another user may send too
        self.sock.settimeout(0.2)
        self._messages = []
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            self._messages.append((time.monotonic(), data.decode()))

    def messages(self):
        return list(self._messages)

    def texts(self):
        return [m for _, m in self._messages]

    def wait_message(self, predicate, timeout=20, what="notification"):
        return wait_for(lambda: next((m for m in self.texts() if predicate(m)), None),
                        timeout=timeout, what=what)

    def close(self):
        self._stop = True
        self._thread.join(timeout=5)
        self.sock.close()


def notify_env(listener, watchdog_usec):
    env = dict(os.environ)
    env["NOTIFY_SOCKET"] = listener.path
    env["WATCHDOG_USEC"] = str(watchdog_usec)
    env.pop("WATCHDOG_PID", None)
    return env


def setpriv(caps, uid=NOBODY):
    """The command prefix that runs a program as `uid` with exactly `caps` (names without CAP_,
    lower case, e.g. ["bpf", "net_admin"]) in its permitted, effective, inheritable, ambient and
    bounding sets: what AmbientCapabilities= + CapabilityBoundingSet= + User= give a unit."""
    spec = ",".join(["-all"] + ["+" + c for c in caps])
    return ["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid, "--clear-groups",
            "--inh-caps=" + spec, "--ambient-caps=" + spec, "--bounding-set=" + spec]


def chown_tree(path, uid=NOBODY):
    os.chown(path, uid, uid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, uid)


def watchdog_gaps(messages, end_marker="STOPPING=1"):
    """Seconds between consecutive messages that reset systemd's watchdog clock (READY=1 and
    every WATCHDOG=1), up to the stop notification."""
    times = []
    for t, text in messages:
        fields = text.split("\n")
        if end_marker in fields:
            break
        if "READY=1" in fields or "WATCHDOG=1" in fields:
            times.append(t)
    return [b - a for a, b in zip(times, times[1:])]


PY = "/usr/bin/python3"
SEND = os.path.join(HERE, "..", "lib", "send_frames.py")


def http_server(test, pair, port, requests):
    """An HTTP server in the server namespace, stopped when the test ends, and `requests` real
    requests to it from the client namespace."""
    import subprocess
    server = pair.popen(pair.srv, PY, "-m", "http.server", str(port), "--bind", pair.srv_ip,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    test.addCleanup(lambda: (server.kill(), server.wait()))
    wait_for(lambda: "LISTEN" in pair.ns(pair.srv, "ss", "-Htln", "sport = :%d" % port,
                                         capture=True).stdout, what="http server")
    for _ in range(requests):
        pair.ns(pair.cli, "curl", "-sS", "-o", "/dev/null", "--max-time", "5",
                "http://%s:%d/" % (pair.srv_ip, port))


def payload_lines(out_dir):
    import glob
    import json
    lines = []
    for path in sorted(glob.glob(os.path.join(out_dir, "payload_[0-9]*.jsonl"))):
        with open(path) as f:
            lines += [json.loads(l) for l in f]
    return lines


def spoofed_syns(pair, port, counts, dst_host=1):
    """SYNs to `port` from spoofed sources {host: n} (n frames each, i payload bytes on the
    i-th). To a destination the server does not own (dst_host other than 1), its kernel drops
    them without a reply, so a capture holds exactly these frames."""
    from scapy.all import IP, TCP, Ether, Raw
    e = Ether(src=pair.cli_mac, dst=pair.srv_mac)
    dst = "10.199.%d.%d" % (pair.subnet, dst_host)
    return [e / IP(src="10.199.%d.%d" % (pair.subnet, h), dst=dst) /
            TCP(sport=30000 + i, dport=port, flags="S") / Raw(b"x" * i)
            for h, n in counts.items() for i in range(n)]


def send_frames(test, pair, frames):
    from scapy.all import raw
    data = "".join(raw(f).hex() + "\n" for f in frames)
    out = pair.ns(pair.cli, PY, SEND, pair.cli_if, input=data, capture=True).stdout
    test.assertEqual(int(out), len(frames))
