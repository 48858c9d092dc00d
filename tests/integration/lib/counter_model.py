"""An independent model of the StrictCounter semantics (DESIGN.md section 5), written from the
specification rather than from the BPF code, applied to raw Ethernet frames. Tests use it to turn
a server-side capture into the exact counters the collector must report."""
import ipaddress
import struct

ETH_P_IP, ETH_P_IPV6, ETH_P_8021Q, ETH_P_8021AD = 0x0800, 0x86DD, 0x8100, 0x88A8
FIELDS = ("syn", "ack", "handshake_ack", "rst", "packets", "bytes")
IPV6_OPTION_HEADERS = (0, 43, 60)  # hop-by-hop, routing, destination options
IPV6_FRAGMENT = 44


def _network(frame):
    """(ethertype, offset of the network header) after up to two VLAN tags, else None."""
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
    return ethertype, off


def _tcp_delta(frame, tcp, ports, l3_len, headers, nbytes):
    """(dport, delta) of the TCP header at `tcp` whose IP packet carries l3_len bytes after
    `headers` bytes of IP headers, else None."""
    if len(frame) < tcp + 20:
        return None
    dport = struct.unpack_from("!H", frame, tcp + 2)[0]
    seq = struct.unpack_from("!I", frame, tcp + 4)[0]
    doff = frame[tcp + 12] >> 4
    flags = frame[tcp + 13]
    if doff < 5 or len(frame) < tcp + doff * 4 or dport not in ports:
        return None
    if l3_len < headers + doff * 4:
        return None
    payload = l3_len - headers - doff * 4
    syn, rst, ack = bool(flags & 2), bool(flags & 4), bool(flags & 16)
    return dport, {"syn": int(syn), "ack": int(ack), "rst": int(rst),
                   "handshake_ack": int(ack and not syn and not rst and payload == 0
                                        and seq != 0),
                   "packets": 1, "bytes": nbytes}


def classify6(frame, ports, prefix_len=64):
    """((source key text, dst_port), delta dict) for a counted IPv6 frame, else None. The key
    text is the snapshot6 src_ip: ADDRESS/LEN, or the address alone at /128."""
    net = _network(frame)
    if net is None or net[0] != ETH_P_IPV6 or len(frame) < net[1] + 40:
        return None
    off = net[1]
    if frame[off] >> 4 != 6:
        return None
    plen = struct.unpack_from("!H", frame, off + 4)[0]
    nh, cur = frame[off + 6], off + 40
    for _ in range(6):
        if nh == 6:
            break
        if len(frame) < cur + 4:
            return None
        if nh in IPV6_OPTION_HEADERS:
            length = (frame[cur + 1] + 1) * 8
        elif nh == IPV6_FRAGMENT and struct.unpack_from("!H", frame, cur + 2)[0] & 0xFFF8 == 0:
            length = 8
        else:
            return None
        nh, cur = frame[cur], cur + length
    if nh != 6:
        return None
    got = _tcp_delta(frame, cur, ports, plen, cur - off - 40, plen + 40)
    if got is None:
        return None
    net6 = ipaddress.IPv6Network((bytes(frame[off + 8:off + 24]), prefix_len), strict=False)
    text = str(net6.network_address) if prefix_len == 128 else str(net6)
    return (text, got[0]), got[1]


def count6(frames, ports, prefix_len=64):
    """{(source key text, dst_port): counters} over all frames (IPv6 only)."""
    return _tally((classify6(f, ports, prefix_len) for f in frames))


def buckets6_table(snapshot):
    """{(src_ip, dst_port): counters} of a snapshot6 line."""
    return {(b["src_ip"], b["dst_port"]): {k: b[k] for k in FIELDS} for b in snapshot["buckets"]}


def classify(frame, ports):
    """((src_ip_int, dst_port), delta dict) for a counted frame, else None."""
    net = _network(frame)
    if net is None:
        return None
    ethertype, off = net
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
    got = _tcp_delta(frame, off + ihl * 4, ports, total_len, ihl * 4, total_len)
    if got is None:
        return None
    src = struct.unpack_from("!I", frame, off + 12)[0]
    return (src, got[0]), got[1]


def count(frames, ports):
    """{(src_ip_int, dst_port): counters} over all frames (IPv4 only)."""
    return _tally((classify(f, ports) for f in frames))


def _tally(classified):
    table = {}
    for c in classified:
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
