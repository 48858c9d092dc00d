"""One local S3-compatible server (OpenStack Swift + s3api, tests/tools/s3-test-server.sh) on
127.0.0.1, and an independent SigV4 client for it (curl --aws-sigv4), for the tests that export."""
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse

SOURCE_DIR = os.environ.get("IBSR_SOURCE_DIR",
                            os.path.abspath(os.path.join(os.path.dirname(__file__), "../../..")))
SERVER = os.path.join(SOURCE_DIR, "tests/tools/s3-test-server.sh")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class S3Server:
    """One s3-test-server.sh instance; start() parses its export lines."""

    def __init__(self, root):
        self.dir = os.path.join(root, "s3")
        self.env = {}

    def start(self, port=None):
        env = dict(os.environ)
        # A port of our own, not the script's default 8080: a developer's or another session's
        # server on 8080 would otherwise answer this test's requests with its own buckets.
        env["S3_PORT"] = str(port or free_port())
        out = subprocess.run([SERVER, "start", self.dir], env=env, check=True,
                             stdout=subprocess.PIPE, text=True, timeout=240).stdout
        for m in re.finditer(r"^export (\w+)=(.*)$", out, re.M):
            self.env[m.group(1)] = m.group(2)
        self.endpoint = self.env["S3_ENDPOINT"]
        self.port = int(self.endpoint.rsplit(":", 1)[1])

    def crash_proxy(self):
        """SIGKILL the S3 endpoint (the Swift proxy): the outage starts at once. A graceful stop
        can take long enough for a fast exporter to finish everything first."""
        with open(os.path.join(self.dir, "run", "proxy-server.pid")) as f:
            pid = int(f.read())
        os.kill(pid, signal.SIGKILL)
        def alive():  # a killed process nobody has reaped yet is a zombie: gone for us
            try:
                with open("/proc/%d/stat" % pid) as f:
                    return f.read().rsplit(")", 1)[1].split()[0] != "Z"
            except FileNotFoundError:
                return False
        deadline = time.time() + 10
        while alive() and time.time() < deadline:
            time.sleep(0.01)

    def stop(self, keep=False):
        env = dict(os.environ)
        env["S3_KEEP"] = "1" if keep else "0"
        subprocess.run([SERVER, "stop", self.dir], env=env, timeout=120,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def client_env(self, home, **extra):
        """The environment of a client of this server: its credentials and region only (no
        AWS_PROFILE or credentials file from the caller; HOME=`home`, so no stray ~/.aws)."""
        e = dict(os.environ)
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                  "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"):
            e.pop(k, None)
        e.update(self.env)
        e["HOME"] = home
        e.update(extra)
        return e

    def curl(self, method, path, out, secret=None):
        """(HTTP status, body bytes) of one request signed by curl, not by our own client; body
        written to `out`. `secret` replaces the secret key (to test a wrong one)."""
        key = urllib.parse.quote(self.env["AWS_ACCESS_KEY_ID"], safe="")
        secret = secret or self.env["AWS_SECRET_ACCESS_KEY"]
        url = "http://%s:%s@127.0.0.1:%d%s" % (key, secret, self.port, path)
        r = subprocess.run(["curl", "-sS", "--aws-sigv4", "aws:amz:us-east-1:s3",
                            "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "-X", method,
                            "-o", out, "-w", "%{http_code}", url],
                           stdout=subprocess.PIPE, text=True, timeout=60, check=True)
        with open(out, "rb") as f:
            return int(r.stdout), f.read()
