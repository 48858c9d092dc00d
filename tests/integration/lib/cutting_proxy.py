"""A loopback HTTP/1.1 proxy in front of the local S3 server that misbehaves on purpose: cuts
ranged GETs (ibsr-report reading s3://) or rewrites the ETag of PUT answers (ibsr-export's landing
proof), and records every request it relays."""
import re
import socket
import threading


class CuttingProxy:
    """A loopback HTTP/1.1 proxy in front of the S3 server. The first `cuts` ranged GETs of an
    object have their response cut after `after` body bytes (the connection is closed), as a
    dropped connection would; `on_cut(path)` runs after each cut. With `overstate`, a cut answer
    instead announces `overstate` more bytes than it has and closes after the whole real body:
    the connection fails after every asked-for byte arrived. With `ignore_range`, the next ranged
    GET of a cut object is answered as a server that ignores Range would: 200 and the whole
    object (what was cut off plus the rest, when the cut read started at byte 0). With
    `put_etag` (bytes), the ETag header of every PUT answer is replaced by it, or removed when it
    is b"": a store (or a middlebox) whose answer does not prove what it stored. With
    `fail_part` = (N, times), the first `times` uploads of multipart part N are answered 500
    InternalError without reaching the server (their body is read and dropped). Everything else
    is relayed. `requests` lists the (method, path) of every request relayed, `connections` counts
    the client connections accepted."""

    def __init__(self, upstream_port, cuts=0, after=0, on_cut=None, overstate=0,
                 ignore_range=False, put_etag=None, fail_part=None):
        self.put_etag = put_etag
        self.fail_part = fail_part
        self.failed_parts = 0  # part uploads answered 500 (fail_part)
        self.requests = []
        self.connections = 0  # accepted client connections
        self.overstate = overstate
        self.ignore_range = ignore_range
        self.cut_bytes = {}  # path -> the body bytes sent before the cut
        self.upstream_port = upstream_port
        self.cuts_left = cuts
        self.after = after
        self.on_cut = on_cut
        self.cut_paths = []
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.endpoint = "http://127.0.0.1:%d" % self.port
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def close(self):
        self.stopping = True
        self.sock.close()
        self.thread.join(timeout=10)

    def _accept(self):
        while not self.stopping:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    @staticmethod
    def _read_head(conn, buf):
        while b"\r\n\r\n" not in buf:
            data = conn.recv(65536)
            if not data:
                return None, buf
            buf += data
        head, rest = buf.split(b"\r\n\r\n", 1)
        return head + b"\r\n\r\n", rest

    @staticmethod
    def _header(head, name):
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == name:
                return v.strip()
        return None

    @staticmethod
    def _relay_chunked(upstream, client, buf):
        """Relays a chunked body up to its last chunk; returns what was read beyond it."""
        for _ in range(1000000):
            if b"\r\n0\r\n\r\n" in b"\r\n" + buf:
                end = (b"\r\n" + buf).index(b"\r\n0\r\n\r\n") + 5
                client.sendall(buf[:end])
                return buf[end:]
            data = upstream.recv(65536)
            if not data:
                raise OSError("upstream closed inside a chunked body")
            buf += data
        raise OSError("chunked body too long")

    def _fail_this_part(self, method, path):
        if self.fail_part is None or method != "PUT":
            return False
        number, times = self.fail_part
        if not re.search(r"[?&]partNumber=%d(&|$)" % number, path):
            return False
        with self.lock:
            if self.failed_parts >= times:
                return False
            self.failed_parts += 1
            return True

    def _serve(self, client):
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=60)
        client.settimeout(60)
        cbuf = ubuf = b""
        try:
            for _ in range(100000):  # requests on this kept-alive connection
                head, cbuf = self._read_head(client, cbuf)
                if head is None:
                    return
                length = int(self._header(head, b"content-length") or 0)
                while len(cbuf) < length:
                    cbuf += client.recv(65536)
                method, path = head.split(b" ")[0].decode(), head.split(b" ")[1].decode()
                if self._fail_this_part(method, path):
                    cbuf = cbuf[length:]
                    body = b"<Error><Code>InternalError</Code><Message>injected</Message></Error>"
                    client.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: %d\r\n"
                                   b"\r\n" % len(body) + body)
                    continue
                upstream.sendall(head + cbuf[:length])
                with self.lock:
                    self.requests.append((method, path))
                cbuf = cbuf[length:]
                rhead, ubuf = self._read_head(upstream, ubuf)
                if rhead is None:
                    return
                chunked = self._header(rhead, b"transfer-encoding") == b"chunked"
                body_len = 0 if head.startswith(b"HEAD ") or chunked else int(
                    self._header(rhead, b"content-length") or 0)
                # Only a body longer than `after` can be cut short.
                ranged = head.startswith(b"GET ") and self._header(head, b"range") is not None
                cut = False
                with self.lock:
                    if ranged and body_len > self.after and self.cuts_left > 0:
                        self.cuts_left -= 1
                        cut = True
                if cut:
                    with self.lock:
                        self.cut_paths.append(path)
                if ranged and not cut and self.ignore_range and path in self.cut_bytes:
                    rest = ubuf
                    while len(rest) < body_len:
                        data = upstream.recv(65536)
                        if not data:
                            return
                        rest += data
                    ubuf = rest[body_len:]
                    whole = self.cut_bytes.pop(path) + rest[:body_len]
                    client.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(whole)
                                   + whole)
                    continue
                if self.put_etag is not None and method == "PUT":
                    rhead = re.sub(rb"(?im)^etag:[^\r\n]*\r\n", b"", rhead)
                    if self.put_etag:
                        rhead = rhead[:-2] + b'ETag: "' + self.put_etag + b'"\r\n\r\n'
                if cut and self.overstate:
                    rhead = re.sub(rb"(?im)^(content-length:\s*)(\d+)",
                                   lambda m: m.group(1) + str(body_len + self.overstate).encode(),
                                   rhead)
                client.sendall(rhead)
                if chunked:
                    ubuf = self._relay_chunked(upstream, client, ubuf)
                    continue
                limit = self.after if cut and not self.overstate else body_len
                sent = 0
                while sent < limit:
                    if not ubuf:
                        ubuf = upstream.recv(65536)
                        if not ubuf:
                            return
                    take = ubuf[:limit - sent]
                    client.sendall(take)
                    if cut:
                        self.cut_bytes[path] = self.cut_bytes.get(path, b"") + take
                    sent += len(take)
                    ubuf = ubuf[len(take):]
                if cut:
                    if self.on_cut:
                        self.on_cut(path)
                    return  # drop both connections mid-body
        except (OSError, RuntimeError):
            return
        finally:
            client.close()
            upstream.close()
