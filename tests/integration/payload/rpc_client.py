"""Client side of the collect-payload tests: sends a known, bounded mix of HTTP requests to the
JSON-RPC server and checks that every response arrives complete (Content-Length framing).

Usage: rpc_client.py HOST PORT SCENARIO [N [SOURCE_ADDRESS]]
Prints one JSON line: {"requests": sent, "responses": complete responses received}."""
import json
import socket
import sys
import time

HOST, PORT, SCENARIO = sys.argv[1], int(sys.argv[2]), sys.argv[3]
N = int(sys.argv[4]) if len(sys.argv) > 4 else 1
SOURCE = (sys.argv[5], 0) if len(sys.argv) > 5 else None
DEADLINE = time.monotonic() + 120


def request(body, method="POST", path="/"):
    if body is None:
        return ("%s %s HTTP/1.1\r\nHost: rpc\r\nUser-Agent: ibsr-test\r\n\r\n"
                % (method, path)).encode()
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    return ("%s %s HTTP/1.1\r\nHost: rpc\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\n\r\n" % (method, path, len(body))).encode() + body


def call(method, params, cid):
    return {"jsonrpc": "2.0", "id": cid, "method": method, "params": params}


class Conn:
    def __init__(self):
        self.s = socket.create_connection((HOST, PORT), timeout=30, source_address=SOURCE)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send(self, *reqs):
        for r in reqs:
            self.s.sendall(r)

    def read_response(self):
        while b"\r\n\r\n" not in self.buf:
            self._more()
        head, rest = self.buf.split(b"\r\n\r\n", 1)
        length = 0
        chunked = False
        for h in head.split(b"\r\n")[1:]:
            k, v = h.split(b":", 1)
            if k.strip().lower() == b"content-length":
                length = int(v)
            if k.strip().lower() == b"transfer-encoding" and b"chunked" in v.lower():
                chunked = True
        if chunked:
            body = b""
            while True:
                while b"\r\n" not in rest:
                    rest += self._take()
                size_line, rest = rest.split(b"\r\n", 1)
                size = int(size_line, 16)
                while len(rest) < size + 2:
                    rest += self._take()
                body += rest[:size]
                rest = rest[size + 2:]
                if size == 0:
                    break
            self.buf = rest
            return head.split(b" ", 2)[1], body
        while len(rest) < length:
            rest += self._take()
        self.buf = rest[length:]
        return head.split(b" ", 2)[1], rest[:length]

    def _take(self):
        if time.monotonic() > DEADLINE:
            raise SystemExit("client deadline")
        data = self.s.recv(65536)
        if not data:
            raise SystemExit("connection closed early")
        return data

    def _more(self):
        self.buf += self._take()

    def close(self):
        self.s.close()


def chunked():
    """eth_getLogs x4 answered with chunked bodies (12-36 KB), then eth_getBalance x2."""
    c = Conn()
    for i in range(4):
        c.send(request(call("eth_getLogs", [{"count": 30 + 20 * i}], i), path="/chunked"))
        status, body = c.read_response()
        json.loads(body)
    for i in range(2):
        c.send(request(call("eth_getBalance", ["0x1", "latest"], 10 + i)))
        c.read_response()
    c.close()
    return 6, 6


def mix():
    """eth_getBalance x5, eth_getLogs x3, a batch, a malformed body, a non-JSON-RPC GET, an
    unknown method (error response), and 3 pipelined eth_getBalance: 15 requests."""
    sent = got = 0
    c = Conn()
    cid = 1
    for i in range(5):
        c.send(request(call("eth_getBalance", ["0x%040x" % i, "latest"], cid)))
        cid += 1
        c.read_response()
        sent += 1
        got += 1
    for i in range(3):
        c.send(request(call("eth_getLogs", [{"count": 30 + 10 * i}], cid)))
        cid += 1
        c.read_response()
        sent += 1
        got += 1
    c.send(request([call("eth_blockNumber", [], 100), call("eth_getBalance", ["0x1", "latest"], 101),
                    call("eth_foo", [], 102)]))
    c.read_response()
    c.send(request(b'{"jsonrpc":"2.0","method":'))
    c.read_response()
    c.send(request(None, "GET", "/health"))
    c.read_response()
    c.send(request(call("eth_nope", [], cid)))
    c.read_response()
    sent += 4
    got += 4
    # Pipelined: three requests in one write, then the three responses.
    c.send(b"".join(request(call("eth_getBalance", ["0x2", "latest"], 200 + k)) for k in range(3)))
    for _ in range(3):
        c.read_response()
    sent += 3
    got += 3
    c.close()
    return sent, got


def load():
    """N connections of eth_getLogs (large responses), for ring-buffer pressure."""
    sent = got = 0
    for i in range(N):
        c = Conn()
        for k in range(4):
            c.send(request(call("eth_getLogs", [{"count": 200}], k)))
            status, body = c.read_response()
            sent += 1
            got += 1 if status == b"200" and len(body) > 80000 else 0
        c.close()
    return sent, got


def short():
    """N short connections: one eth_getBalance each."""
    sent = got = 0
    for i in range(N):
        c = Conn()
        c.send(request(call("eth_getBalance", ["0x3", "latest"], i)))
        c.read_response()
        c.close()
        sent += 1
        got += 1
    return sent, got


def one_connection(make):
    """N requests on one kept-alive connection, each answered before the next is sent."""
    c = Conn()
    got = 0
    for i in range(N):
        c.send(request(make(i)))
        status, body = c.read_response()
        got += 1 if status == b"200" else 0
    c.close()
    return N, got


# The application-layer abuse classes of ibsr-report, one scenario each (docs/report-rpc.md).
def flood():
    """N cheap eth_getBalance calls as fast as the server answers: a request flood."""
    return one_connection(lambda i: call("eth_getBalance", ["0x4", "latest"], i))


def amplify():
    """N eth_getLogs calls of ~90 KB answers for ~100-byte requests: amplification."""
    return one_connection(lambda i: call("eth_getLogs", [{"count": 200}], i))


def expensive():
    """N eth_getLogs calls with empty answers: expensive methods without amplification."""
    return one_connection(lambda i: call("eth_getLogs", [{"count": 0}], i))


def fanout():
    """N batches of 60 eth_blockNumber calls: batch fan-out."""
    return one_connection(lambda i: [call("eth_blockNumber", [], 60 * i + k) for k in range(60)])


def errors():
    """N calls of a method the server does not know: every answer is a JSON-RPC error."""
    return one_connection(lambda i: call("eth_nope", [], i))


def normal():
    """N eth_getBalance calls, 0.1 s apart: an ordinary client."""
    c = Conn()
    for i in range(N):
        c.send(request(call("eth_getBalance", ["0x%040x" % i, "latest"], i)))
        c.read_response()
        time.sleep(0.1)
    c.close()
    return N, N


SCENARIOS = {"mix": mix, "load": load, "short": short, "chunked": chunked, "flood": flood,
             "amplify": amplify, "expensive": expensive, "fanout": fanout, "errors": errors,
             "normal": normal}
sent, got = SCENARIOS[SCENARIO]()
print(json.dumps({"requests": sent, "responses": got}))
