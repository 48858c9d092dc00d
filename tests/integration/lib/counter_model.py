"""An independent model of the StrictCounter semantics (DESIGN.md section 5), written from the
specification rather than from the BPF code, applied to raw Ethernet frames. Tests use it to turn
a server-side capture into the exact counters the collector must report."""
import struct

ETH_P_IP, ETH_P_8021Q, ETH_P_8021AD = 0x0800, 0x8100, 0x88A8
FIELDS = ("syn", "ack", "handshake_ack", "rst", "packets", "bytes")


def classify(frame, ports):
    """((src_ip_int, dst_port), delta dict) for a counted frame, else None."""
    if len(frame) < 14:
        return None
    ethertype = struct.unpack_from("!H", frame, 12)[0]
    off = 14
    for _ in range(2):
        if ethertype not in (ETH_P_8021Q, ETH_P_8021AD):
            break
        if len(frame) < off + 4:
            return None
        ethertype = struct.unpack_from("!H", frame, off + 2)[0]
        off += 4
    if ethertype != ETH_P_IP or len(frame) < off + 20:
        return None
    ver_ihl = frame[off]
    version, ihl = ver_ihl >> 4, ver_ihl & 15
    if version != 4 or ihl < 5:
        return None
    total_len = struct.unpack_from("!H", frame, off + 2)[0]
    frag = struct.unpack_from("!H", frame, off + 6)[0] & 0x1FFF
    if frag != 0 or frame[off + 9] != 6:
        return None
    tcp = off + ihl * 4
    if len(frame) < tcp + 20:
        return None
    dport = struct.unpack_from("!H", frame, tcp + 2)[0]
    seq = struct.unpack_from("!I", frame, tcp + 4)[0]
    doff = frame[tcp + 12] >> 4
    flags = frame[tcp + 13]
    if doff < 5 or len(frame) < tcp + doff * 4 or dport not in ports:
        return None
    if total_len < ihl * 4 + doff * 4:
        return None
    payload = total_len - ihl * 4 - doff * 4
    syn, rst, ack = bool(flags & 2), bool(flags & 4), bool(flags & 16)
    src = struct.unpack_from("!I", frame, off + 12)[0]
    delta = {"syn": int(syn), "ack": int(ack), "rst": int(rst),
             "handshake_ack": int(ack and not syn and not rst and payload == 0 and seq != 0),
             "packets": 1, "bytes": total_len}
    return (src, dport), delta


def count(frames, ports):
    """{(src_ip_int, dst_port): counters} over all frames."""
    table = {}
    for f in frames:
        c = classify(f, ports)
        if c is None:
            continue
        key, delta = c
        entry = table.setdefault(key, dict.fromkeys(FIELDS, 0))
        for k, v in delta.items():
            entry[k] += v
    return table


def read_pcap(path):
    """Frames of a classic little- or big-endian pcap file (any timestamp precision)."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack_from(endian + "I", data, 20)[0]
    if linktype != 1:
        raise ValueError("pcap link type %d is not Ethernet" % linktype)
    frames, off = [], 24
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack_from(endian + "IIII", data, off)
        off += 16
        if incl != orig:
            raise ValueError("truncated capture: raise the snaplen")
        frames.append(data[off:off + incl])
        off += incl
    return frames


def buckets_table(snapshot):
    """{(key_value, dst_port): counters} of a schema-v3 snapshot object."""
    return {(b["key_value"], b["dst_port"]): {k: b[k] for k in FIELDS}
            for b in snapshot["buckets"]}


def ip_int(dotted):
    a, b, c, d = (int(x) for x in dotted.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d
