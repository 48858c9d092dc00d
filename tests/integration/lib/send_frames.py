"""Sends raw Ethernet frames on an interface: one hex-encoded frame per stdin line.
Run inside the client namespace (ip netns exec NS python3 send_frames.py IFACE)."""
import socket
import sys

iface = sys.argv[1]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
sent = 0
for line in sys.stdin:
    line = line.strip()
    if line:
        s.send(bytes.fromhex(line))
        sent += 1
print(sent)
