#!/usr/bin/env python3
"""Kernel-timestamped capture of the bot's loopback traffic, for bot-side latency.

    wirecap.py --port 41234 [--port 5179 ...] --out events.json      (root: AF_PACKET)

Listens on `lo` with an AF_PACKET socket and SO_TIMESTAMPNS. A classic BPF filter keeps only
TCP segments that carry data and involve one of the given server ports (the Discord stand-in,
WAGMIOS simulator hosts):

  * data *from* a server port, as it is delivered to the receiving socket (PACKET_HOST copy):
    INTERACTION_CREATE frames (one event per interaction id in the segment) and HTTP responses;
  * data *to* a server port, as the sender hands it to the device (PACKET_OUTGOING copy):
    HTTP requests (method and path).

So `request out − frame in` is the time the bot held the interaction: from the moment it is in
the bot's socket to the moment the bot's answer leaves, excluding the load generator and the
simulators entirely (both timestamps are taken by the kernel, not by any Python process).

Prints `READY` on stdout once capturing (timestamps are enabled a moment before that, since the
kernel turns them on lazily); on SIGTERM/SIGINT writes {"events": [[ns, kind, client_port,
server_port, key], ...], "stats": {...}} to --out and exits 0. kind: "frame" (key = interaction
id), "req" (key = "METHOD /path"), "resp" (key = status).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import re
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SO_TIMESTAMPNS = 35
SO_ATTACH_FILTER = 26
SOL_PACKET = 263
PACKET_STATISTICS = 6
PACKET_HOST, PACKET_OUTGOING = 0, 4

FRAME_ID = re.compile(rb'"t":"INTERACTION_CREATE","s":\d+,"op":0,"d":\{"id":"(\d+)"')
METHODS = (b"GET ", b"POST ", b"PUT ", b"PATCH ", b"DELETE ")


def bpf_program(ports: list[int]) -> list[tuple[int, int, int, int]]:
    """IPv4/TCP with payload; from a port: PACKET_HOST only; to a port: PACKET_OUTGOING only."""
    prog: list = []
    fix: list = []   # (index, jt_label, jf_label)

    def op(code, k=0, jt=None, jf=None):
        prog.append([code, 0, 0, k])
        if jt is not None or jf is not None:
            fix.append((len(prog) - 1, jt, jf))

    labels: dict[str, int] = {}
    op(0x28, 12)                              # ldh [12]  ethertype
    op(0x15, 0x0800, None, "drop")            # jeq IPv4
    op(0x30, 23)                              # ldb [23]  protocol
    op(0x15, 6, None, "drop")                 # jeq TCP
    op(0xB1, 14)                              # ldxb 4*([14]&0xf)  X = IP header length
    op(0x50, 26)                              # ldb [x+26]  TCP data offset
    op(0x74, 4)                               # rsh #4
    op(0x64, 2)                               # lsh #2
    op(0x02, 0)                               # st M[0]   TCP header length
    op(0x28, 16)                              # ldh [16]  IP total length
    op(0x1C)                                  # sub x
    op(0x61, 0)                               # ldx M[0]
    op(0x1C)                                  # sub x      payload length
    op(0x15, 0, "drop", None)                 # jeq #0 -> drop
    op(0xB1, 14)                              # ldxb again
    op(0x20, 0xFFFFF004)                      # ld pkttype (SKF_AD_OFF + SKF_AD_PKTTYPE)
    op(0x02, 1)                               # st M[1]
    op(0x48, 14)                              # ldh [x+14]  source port
    for p in ports:
        op(0x15, p, "from", None)
    op(0x48, 16)                              # ldh [x+16]  destination port
    for p in ports:
        op(0x15, p, "to", None)
    op(0x06, 0)                               # ret 0
    labels["from"] = len(prog)
    op(0x60, 1)                               # ld M[1]
    op(0x15, PACKET_HOST, "accept", "drop")
    labels["to"] = len(prog)
    op(0x60, 1)
    op(0x15, PACKET_OUTGOING, "accept", "drop")
    labels["accept"] = len(prog)
    op(0x06, 0x40000)
    labels["drop"] = len(prog)
    op(0x06, 0)
    for i, jt, jf in fix:
        if jt is not None:
            prog[i][1] = labels[jt] - i - 1
        if jf is not None:
            prog[i][2] = labels[jf] - i - 1
    return [tuple(x) for x in prog]


def attach(sock: socket.socket, prog) -> None:
    raw = b"".join(struct.pack("HBBI", *ins) for ins in prog)
    buf = ctypes.create_string_buffer(raw)
    fprog = struct.pack("HL", len(prog), ctypes.addressof(buf))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
    attach.keep = buf  # type: ignore[attr-defined]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, action="append", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    ports = set(args.port)

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    try:
        s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)   # SO_RCVBUFFORCE (root)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 20)
    filtered = True
    try:
        attach(s, bpf_program(sorted(ports)))
    except OSError:
        filtered = False
    s.bind(("lo", 0))
    s.settimeout(0.2)

    stop = False

    def on_signal(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    # The kernel enables packet timestamps lazily: let it settle, then say we are ready.
    wake = time.monotonic() + 0.3
    buf = bytearray(70000)
    mv = memoryview(buf)
    while time.monotonic() < wake:
        try:
            s.recvmsg_into([buf], 64)
        except socket.timeout:
            pass
    print("READY", flush=True)

    events = []
    seen = 0
    no_ts = 0
    while not stop:
        try:
            n, anc, _flags, addr = s.recvmsg_into([buf], 64)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        seen += 1
        ts = 0
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack("qq", data[:16])
                ts = sec * 1_000_000_000 + nsec
        if not ts:
            no_ts += 1
            continue
        if n < 34 or buf[12] != 0x08 or buf[13] != 0x00 or buf[23] != 6:
            continue
        ihl = (buf[14] & 0x0F) * 4
        tcp = 14 + ihl
        sport, dport = struct.unpack_from("!HH", buf, tcp)
        start = tcp + (buf[tcp + 12] >> 4) * 4
        if start >= n:
            continue
        pkttype = addr[2]
        if sport in ports and pkttype == PACKET_HOST:
            head = bytes(mv[start:start + 12])
            if head.startswith(b"HTTP/1.1 "):
                events.append((ts, "resp", dport, sport, head[9:12].decode()))
            else:
                chunk = bytes(mv[start:n])
                for m in FRAME_ID.finditer(chunk):
                    events.append((ts, "frame", dport, sport, m.group(1).decode()))
        elif dport in ports and pkttype == PACKET_OUTGOING:
            head = bytes(mv[start:min(n, start + 400)])
            if head.startswith(METHODS):
                line = head.split(b"\r\n", 1)[0].decode("latin-1")
                method, _, rest = line.partition(" ")
                events.append((ts, "req", sport, dport, method + " " + rest.rsplit(" ", 1)[0]))
    try:
        raw = s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
        packets, drops = struct.unpack("II", raw)
    except OSError:
        packets = drops = -1
    with open(args.out, "w") as f:
        json.dump({"events": events, "stats": {"seen": seen, "kernel_packets": packets, "kernel_drops": drops,
                                               "no_timestamp": no_ts, "bpf": filtered}}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
