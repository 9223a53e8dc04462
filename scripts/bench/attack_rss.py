#!/usr/bin/env python3
"""Sends each attack of the hostile-client tests at a fresh gyre-node and prints what it cost:
peak RSS above the warmed-up node, RSS 3 s after the attackers left, the node's CPU time, and how
many of a normal client's Health checks and KV calls failed during the attack.

Usage (scripts/bench/attack-bench.sh sets the paths up):
  attack_rss.py STUBS_DIR GYRE_NODE_BIN [SECONDS]
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, sys.argv[1])
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Tests" / "python"))

import grpc  # noqa: E402

import hostile  # noqa: E402
from hostile import END_HEADERS, END_STREAM, RawConnection, frame  # noqa: E402
from gyre.v1 import kv_pb2, kv_pb2_grpc  # noqa: E402
import health_pb2, health_pb2_grpc  # noqa: E402,E401

BIN = sys.argv[2]
SECONDS = float(sys.argv[3]) if len(sys.argv) > 3 else 4.0
KV_GET, KV_PUT = "/gyre.v1.KV/Get", "/gyre.v1.KV/Put"


def start(open_files: int | None = None):
    d = tempfile.mkdtemp(prefix="gyre-attack-")
    cmd = [BIN, "--listen", "127.0.0.1:0", "--data-dir", f"{d}/data"]
    if open_files:
        cmd = ["prlimit", f"--nofile={open_files}:{open_files}", "--", *cmd]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(f"{d}/err", "wb"))
    line = p.stdout.readline().decode()
    address = line.rsplit(" ", 1)[1].strip()
    threading.Thread(target=lambda: p.stdout.read(), daemon=True).start()
    return p, address


class Normal:
    def __init__(self, address):
        self.ch = grpc.insecure_channel(address)
        grpc.channel_ready_future(self.ch).result(timeout=10)
        self.kv = kv_pb2_grpc.KVStub(self.ch)
        self.health = health_pb2_grpc.HealthStub(self.ch)
        self.health_fail = self.health_total = self.kv_fail = self.kv_total = 0

    def once(self):
        self.health_total += 1
        try:
            self.health.Check(health_pb2.HealthCheckRequest(), timeout=2)
        except grpc.RpcError:
            self.health_fail += 1
        key = f"n-{uuid.uuid4()}".encode()
        for call in (lambda: self.kv.Put(kv_pb2.PutRequest(key=key, value=b"v"), timeout=2),
                     lambda: self.kv.Get(kv_pb2.GetRequest(key=key), timeout=2)):
            self.kv_total += 1
            try:
                call()
            except grpc.RpcError:
                self.kv_fail += 1

    def loop(self, stop):
        while not stop.is_set():
            self.once()


def measure(name, body, open_files=None, setup=None):
    p, address = start(open_files)
    try:
        normal = Normal(address)
        for _ in range(20):
            normal.once()
        if setup:
            setup(normal)
        normal.health_fail = normal.health_total = normal.kv_fail = normal.kv_total = 0
        base = hostile.rss_mb(p.pid)
        cpu0 = hostile.cpu_seconds(p.pid)
        stop = threading.Event()
        watcher = threading.Thread(target=normal.loop, args=(stop,), daemon=True)
        watcher.start()
        cleanup = body(address, stop)
        stop.set()
        watcher.join(30)
        cpu = hostile.cpu_seconds(p.pid) - cpu0
        peak = hostile.peak_rss_mb(p.pid) - base
        if cleanup:
            cleanup()
        time.sleep(3)
        after = hostile.rss_mb(p.pid) - base
        print(f"{name:<34} base {base:6.0f} MB  peak +{peak:7.0f} MB  after close +{after:6.0f} MB  CPU {cpu:5.1f} s"
              f"  health failed {normal.health_fail}/{normal.health_total}  KV failed {normal.kv_fail}/{normal.kv_total}",
              flush=True)
    finally:
        p.kill()
        p.wait()


def hpack(address, stop):
    first = frame(hostile.HEADERS, END_HEADERS, 1, hostile.request_block(KV_GET) + hostile.indexed_literal("x-big", b"a" * 4000))
    first += frame(hostile.DATA, END_STREAM, 1, hostile.get_request(b"k"))
    block = hostile.request_block(KV_GET)
    amplified = block + b"\xbe" * (16384 - len(block))

    def one(s):
        while not s.is_set():
            try:
                c = RawConnection(address, source="127.0.0.2")
            except OSError:
                continue
            c.open()
            c.send(first)
            for i in range(100):
                if s.is_set() or not c.send(frame(hostile.HEADERS, END_HEADERS | END_STREAM, 3 + 2 * i, amplified)):
                    break
            c.read_until_closed(1.0)
            c.close()
    inner = threading.Event()
    ts = [threading.Thread(target=one, args=(inner,), daemon=True) for _ in range(12)]
    for t in ts:
        t.start()
    time.sleep(SECONDS)
    inner.set()
    for t in ts:
        t.join(30)


def slow_bodies(address, stop):
    conns = []
    for c in range(11):
        conn = RawConnection(address, source=f"127.0.0.{2 + c}")
        conn.open()
        conn.send(b"".join(frame(hostile.HEADERS, END_HEADERS, 1 + 2 * i, hostile.request_block(KV_PUT))
                           + frame(hostile.DATA, 0, 1 + 2 * i, b"\x00") for i in range(100)))
        conns.append(conn)
    time.sleep(SECONDS)
    return lambda: [c.close() for c in conns]


BIG = b"big-key"


def put_big(normal):
    normal.kv.Put(kv_pb2.PutRequest(key=BIG, value=b"v" * (1 << 20)), timeout=10)


def burst(stream0, count):
    return b"".join(frame(hostile.HEADERS, END_HEADERS, stream0 + 2 * i, hostile.request_block(KV_GET))
                    + frame(hostile.DATA, END_STREAM, stream0 + 2 * i, hostile.get_request(BIG)) for i in range(count))


def zero_window(address, stop):
    conns = []
    for c in range(20):
        conn = RawConnection(address, source="127.0.1.1")
        conn.open([(hostile.SETTINGS_INITIAL_WINDOW_SIZE, 0)])
        conn.send(burst(1, 100))
        conns.append(conn)
    time.sleep(SECONDS)
    return lambda: [c.close() for c in conns]


def open_window_no_reads(address, stop):
    huge = (1 << 31) - 1
    conns = []

    def one(s):
        conn = RawConnection(address, source="127.0.2.1", recv_buffer=4096, timeout=0.5)
        conns.append(conn)
        conn.open([(hostile.SETTINGS_INITIAL_WINDOW_SIZE, huge)])
        conn.send(frame(hostile.WINDOW_UPDATE, 0, 0, (huge - 65535).to_bytes(4, "big")))
        stream = 1
        while not s.is_set():
            if not conn.send(burst(stream, 50)):
                break
            stream += 100
            time.sleep(0.05)
    inner = threading.Event()
    ts = [threading.Thread(target=one, args=(inner,), daemon=True) for _ in range(20)]
    for t in ts:
        t.start()
    time.sleep(SECONDS)
    inner.set()
    for t in ts:
        t.join(30)
    return lambda: [c.close() for c in conns]


def idle_connections(address, stop):
    socks = []
    for _ in range(1100):
        try:
            socks.append(RawConnection(address, source="127.0.0.2", timeout=1.0))
        except OSError:
            pass
    time.sleep(SECONDS)
    return lambda: [s.close() for s in socks]


if __name__ == "__main__":
    print(f"# {BIN}: each attack for {SECONDS:.0f} s against a fresh node (RocksDB, defaults); a normal client"
          f" (127.0.0.1) does Health + Put + Get in a loop meanwhile", flush=True)
    measure("HPACK amplification, 12 conns", hpack)
    measure("unfinished bodies, 11 x 100", slow_bodies)
    measure("zero window, 20 x 100 Gets of 1 MiB", zero_window, setup=put_big)
    measure("open window, no reads, 20 conns", open_window_no_reads, setup=put_big)
    measure("1,100 idle conns, ulimit -n 1024", idle_connections, open_files=1024)
