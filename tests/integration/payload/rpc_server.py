"""A small HTTP/1.1 JSON-RPC server for the collect-payload tests. It frames requests itself
(request line, headers, Content-Length body) so that it can log the exact bytes of every request
it received and every response it sent, which is what the collector must report.

Usage: rpc_server.py HOST PORT LOG_PATH READY_PATH
HOST "::" listens on IPv6 and IPv4 (dual stack); another IPv6 address on IPv6 only.
Log: one JSON object per line: {"conn", "peer", "req_bytes", "resp_bytes", "status", "methods",
"batch", "errors", "jsonrpc"} written when the response has been sent; "peer" is the client
address as text (an IPv4 client of a dual-stack socket as its IPv4 text). Stops on SIGTERM."""
import ipaddress
import json
import os
import signal
import socket
import sys
import threading

HOST, PORT, LOG, READY = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
LOGS_PER_CALL = 0
lock = threading.Lock()
log = open(LOG, "a", buffering=1)


def result_for(method, params):
    if method == "eth_getBalance":
        return "0x1bc16d674ec80000"
    if method == "eth_getLogs":
        n = int(params[0].get("count", 40)) if params and isinstance(params[0], dict) else 40
        return [{"address": "0x%040x" % i, "data": "0x" + "ab" * 200, "logIndex": hex(i)}
                for i in range(n)]
    if method == "eth_blockNumber":
        return "0x10d4f"
    return None


def answer(call):
    """(response object or None for a notification, is_error)"""
    if not isinstance(call, dict) or not isinstance(call.get("method"), str):
        return {"jsonrpc": "2.0", "id": None,
                "error": {"code": -32600, "message": "Invalid Request"}}, True
    cid = call.get("id")
    res = result_for(call["method"], call.get("params"))
    if res is None:
        return {"jsonrpc": "2.0", "id": cid,
                "error": {"code": -32601, "message": "Method not found"}}, True
    return {"jsonrpc": "2.0", "id": cid, "result": res}, False


def handle(raw_head, body):
    """Returns (status, body bytes, methods, batch, errors, jsonrpc)."""
    line = raw_head.split(b"\r\n", 1)[0].decode()
    method, path, _ = line.split(" ", 2)
    if method != "POST":
        return 404, b"not found\n", [], False, 0, False
    try:
        doc = json.loads(body)
    except ValueError:
        err = {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "Parse error"}}
        return 200, json.dumps(err).encode(), [], False, 1, False
    if isinstance(doc, list):
        out, errors, methods = [], 0, []
        for call in doc:
            if isinstance(call, dict) and isinstance(call.get("method"), str):
                methods.append(call["method"])
            r, is_err = answer(call)
            errors += is_err
            out.append(r)
        return 200, json.dumps(out).encode(), methods, True, errors, True
    r, is_err = answer(doc)
    methods = [doc["method"]] if isinstance(doc, dict) and isinstance(doc.get("method"), str) else []
    return 200, json.dumps(r).encode(), methods, False, int(is_err), bool(methods)


def peer_text(conn):
    a = ipaddress.ip_address(conn.getpeername()[0])
    mapped = getattr(a, "ipv4_mapped", None)
    return str(mapped or a)


def serve(conn, cid):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    peer = peer_text(conn)
    buf = b""
    with conn:
        while True:
            while b"\r\n\r\n" not in buf:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
            head, rest = buf.split(b"\r\n\r\n", 1)
            length = 0
            for h in head.split(b"\r\n")[1:]:
                k, v = h.split(b":", 1)
                if k.strip().lower() == b"content-length":
                    length = int(v)
            while len(rest) < length:
                data = conn.recv(65536)
                if not data:
                    return
                rest += data
            body, buf = rest[:length], rest[length:]
            req_bytes = len(head) + 4 + length
            status, rbody, methods, batch, errors, jsonrpc = handle(head, body)
            reason = {200: "OK", 404: "Not Found"}[status]
            ctype = "application/json" if status == 200 else "text/plain"
            path = head.split(b" ", 2)[1]
            if path == b"/chunked" and status == 200:
                # Transfer-Encoding: chunked, 4000-byte chunks: framing inside the body.
                resp = ("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nTransfer-Encoding: chunked"
                        "\r\n\r\n" % (status, reason, ctype)).encode()
                for i in range(0, len(rbody), 4000):
                    part = rbody[i:i + 4000]
                    resp += b"%x\r\n%s\r\n" % (len(part), part)
                resp += b"0\r\n\r\n"
            else:
                resp = ("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                        % (status, reason, ctype, len(rbody))).encode() + rbody
            conn.sendall(resp)
            with lock:
                log.write(json.dumps({"conn": cid, "peer": peer,
                                      "req_bytes": req_bytes,
                                      "resp_bytes": len(resp), "status": status,
                                      "methods": methods, "batch": batch, "errors": errors,
                                      "jsonrpc": jsonrpc}) + "\n")


def main():
    srv = socket.socket(socket.AF_INET6 if ":" in HOST else socket.AF_INET)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if HOST == "::":
        srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    srv.bind((HOST, PORT))
    srv.listen(128)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    with open(READY, "w") as f:
        f.write("ready\n")
    cid = 0
    while True:
        conn, _ = srv.accept()
        cid += 1
        threading.Thread(target=serve, args=(conn, cid), daemon=True).start()


main()
