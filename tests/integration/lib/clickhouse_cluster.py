"""A two-shard ClickHouse cluster on 127.0.0.1 for tests and benchmarks: one clickhouse-server
process per shard, each with its own config, data directory and free ports, and a remote_servers
cluster named `ibsr` (the name deploy/clickhouse/schema.sql uses) listing both. Started in a new
session, stopped by pid; everything lives under the directory given, which the caller removes.
Runs Debian's clickhouse-server 18.16 as root with a minimal config (DESIGN.md section 11)."""
import os
import shutil
import signal
import socket
import subprocess
import time

SERVER = "/usr/sbin/clickhouse-server"
CLIENT = "/usr/bin/clickhouse-client"
USERS = "/etc/clickhouse-server/users.xml"


def require_clickhouse():
    """Fails loudly (never skips): the ClickHouse test is meaningless without the real server."""
    missing = [p for p in (SERVER, CLIENT, USERS) if not os.path.exists(p)]
    if missing:
        raise RuntimeError("ClickHouse is not installed (missing %s): run "
                           "scripts/install-deps.sh" % ", ".join(missing))


def free_ports(n):
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


CONFIG = """<yandex>
  <logger><level>warning</level><log>{dir}/server.log</log><errorlog>{dir}/error.log</errorlog>
    <console>0</console></logger>
  <tcp_port>{tcp}</tcp_port>
  <http_port>{http}</http_port>
  <interserver_http_port>{interserver}</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>{dir}/data/</path>
  <tmp_path>{dir}/tmp/</tmp_path>
  <users_config>{users}</users_config>
  <mark_cache_size>268435456</mark_cache_size>
  <remote_servers><ibsr>{shards}</ibsr></remote_servers>
</yandex>
"""
SHARD = "<shard><replica><host>127.0.0.1</host><port>{port}</port></replica></shard>"


class ClickHouseCluster:
    def __init__(self, root, shards=2):
        require_clickhouse()
        self.root = root
        ports = free_ports(3 * shards)
        self.tcp_ports = ports[0::3]
        self.http_ports = ports[1::3]
        self.interserver_ports = ports[2::3]
        self.procs = []

    def start(self):
        shards = "".join(SHARD.format(port=p) for p in self.tcp_ports)
        for i, tcp in enumerate(self.tcp_ports):
            d = os.path.join(self.root, "shard%d" % (i + 1))
            os.makedirs(os.path.join(d, "data"))
            os.makedirs(os.path.join(d, "tmp"))
            conf = os.path.join(d, "config.xml")
            with open(conf, "w") as f:
                f.write(CONFIG.format(dir=d, tcp=tcp, http=self.http_ports[i],
                                      interserver=self.interserver_ports[i], users=USERS,
                                      shards=shards))
            with open(os.path.join(d, "stdout.log"), "w") as out:
                self.procs.append(subprocess.Popen(
                    [SERVER, "--config-file=" + conf], cwd=d, stdin=subprocess.DEVNULL,
                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
        for i, port in enumerate(self.tcp_ports):
            self._wait_ready(i, port)

    def _wait_ready(self, i, port):
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.procs[i].poll() is not None:
                raise RuntimeError("clickhouse-server shard %d exited with %d; see %s" % (
                    i + 1, self.procs[i].returncode, os.path.join(self.root, "shard%d" % (i + 1))))
            r = subprocess.run([CLIENT, "--port", str(port), "--query", "SELECT 1"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30)
            if r.returncode == 0 and r.stdout.strip() == b"1":
                return
            time.sleep(0.2)
        raise RuntimeError("clickhouse-server shard %d did not answer within 60 s" % (i + 1))

    def client(self, query=None, shard=0, stdin=None, multiquery=False, settings=()):
        """stdout of clickhouse-client on one shard (0-based); raises with its stderr on failure.
        `stdin` is a file object or bytes."""
        cmd = [CLIENT, "--port", str(self.tcp_ports[shard])]
        cmd += ["--%s=%s" % kv for kv in settings]
        if multiquery:
            cmd.append("--multiquery")
        if query is not None:
            cmd += ["--query", query]
        kw = {"input": stdin} if isinstance(stdin, bytes) else {"stdin": stdin}
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=3600, **kw)
        if r.returncode != 0:
            raise RuntimeError("clickhouse-client (%s) failed: %s" % (
                (query or "stdin")[:80], r.stderr.decode(errors="replace").strip()))
        return r.stdout.decode()

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                os.kill(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait(timeout=30)
        self.procs = []

    def remove(self):
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
