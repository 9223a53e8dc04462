"""Attacks on a real gyre-node process, one test each: the node's memory stays bounded (the bound
is stated in each test), Health/Check and a normal client's Get and Put are served during and
after, and nothing acknowledged is lost. Attackers connect from 127.0.0.2 and up, so the
per-source connection caps fall on them and not on the test's own client (127.0.0.1)."""

from __future__ import annotations

import threading
import time
import uuid

import grpc

import hostile
from hostile import END_HEADERS, END_STREAM, Attack, RawConnection, frame
from gyre_testlib import health_pb2, health_pb2_grpc, kv_pb2, kv_pb2_grpc, open_channel, stats, cluster_pb2_grpc, wait_for

KV_GET = "/gyre.v1.KV/Get"
KV_PUT = "/gyre.v1.KV/Put"


class NormalClient:
    """The client an attack must not starve: Health, Put of a fresh key, Get of it."""

    def __init__(self, address: str):
        self.channel = open_channel(address)
        self.kv = kv_pb2_grpc.KVStub(self.channel)
        self.health = health_pb2_grpc.HealthStub(self.channel)
        self.cluster = cluster_pb2_grpc.ClusterStub(self.channel)
        self.acked: dict[bytes, bytes] = {}

    def serve_once(self, timeout: float = 3.0) -> None:
        answer = self.health.Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
        key, value = f"normal-{uuid.uuid4()}".encode(), uuid.uuid4().bytes
        self.kv.Put(kv_pb2.PutRequest(key=key, value=value), timeout=timeout)
        self.acked[key] = value
        got = self.kv.Get(kv_pb2.GetRequest(key=key), timeout=timeout)
        assert list(got.values) == [value]

    def serve_for(self, seconds: float) -> int:
        """Serves rounds back to back for `seconds`; every round must succeed."""
        deadline, rounds = time.monotonic() + seconds, 0
        while time.monotonic() < deadline:
            self.serve_once()
            rounds += 1
        return rounds

    def check_nothing_lost(self) -> None:
        for key, value in self.acked.items():
            got = self.kv.Get(kv_pb2.GetRequest(key=key), timeout=5)
            assert list(got.values) == [value], f"acknowledged {key!r} lost"

    def stats(self) -> dict[str, int]:
        return stats(self.cluster)

    def close(self) -> None:
        self.channel.close()


def warmed_up(node) -> tuple[NormalClient, float]:
    client = NormalClient(node.address)
    for _ in range(20):
        client.serve_once()
    return client, hostile.rss_mb(node.pid)


def test_hpack_amplification_is_refused_with_bounded_memory(start_node):
    """One ~4 KB header put in the HPACK table, then HEADERS frames of 16 KiB made of one-byte
    references to it (64 MB decoded each), 100 per connection on 12 connections, over and over.
    Before the header list was capped this took RSS from 60 MB to 6.3 GB. Bound: 150 MB above the
    warmed-up node."""
    node = start_node()
    client, base = warmed_up(node)
    big = b"a" * 4000
    first = frame(hostile.HEADERS, END_HEADERS, 1, hostile.request_block(KV_GET) + hostile.indexed_literal("x-big", big))
    first += frame(hostile.DATA, END_STREAM, 1, hostile.get_request(b"k"))
    block = hostile.request_block(KV_GET)
    amplified = block + b"\xbe" * (16384 - len(block))
    sent = [0]

    def attack(stop: threading.Event):
        while not stop.is_set():
            conn = RawConnection(node.address, source="127.0.0.2")
            conn.open()
            conn.send(first)
            for i in range(100):
                if not conn.send(frame(hostile.HEADERS, END_HEADERS | END_STREAM, 3 + 2 * i, amplified)):
                    break
                sent[0] += 1
            conn.read_until_closed(2.0)
            conn.close()

    with Attack(attack, threads=12) as running:
        rounds = client.serve_for(4.0)
    assert not running.errors, running.errors
    assert rounds > 0 and sent[0] > 100
    peak = hostile.peak_rss_mb(node.pid)
    assert peak - base < 150, f"peak RSS {peak:.0f} MB, {peak - base:.0f} MB above the warmed-up {base:.0f} MB"
    counters = client.stats()
    assert counters["conn.header_list_refused"] > 0
    assert counters["conn.closed_header_abuse"] > 0
    client.serve_once()
    client.check_nothing_lost()


def test_streams_that_never_finish_their_body_starve_nobody(start_node):
    """11 connections x 100 streams that send headers and one byte of body, then nothing. They
    used to hold every in-flight slot: every KV call and Health answered RESOURCE_EXHAUSTED.
    Now a request takes a slot only once complete, and the request timeout (2 s here) answers
    and resets the rest. Bound: 100 MB above the warmed-up node."""
    node = start_node("--request-timeout-ms", "2000")
    client, base = warmed_up(node)
    conns = []
    for c in range(11):
        conn = RawConnection(node.address, source=f"127.0.0.{2 + c}")
        conn.open()
        burst = b"".join(
            frame(hostile.HEADERS, END_HEADERS, 1 + 2 * i, hostile.request_block(KV_PUT)) + frame(hostile.DATA, 0, 1 + 2 * i, b"\x00")
            for i in range(100))
        assert conn.send(burst)
        conns.append(conn)
    try:
        rounds = client.serve_for(1.5)
        assert rounds > 0
        assert client.stats()["rpc.in_flight"] <= 2
        wait_for("the request timeout to answer the 1100 slow streams",
                 lambda: client.stats()["conn.request_timed_out"] >= 1100, timeout=15)
        client.serve_once()
    finally:
        for conn in conns:
            conn.close()
    peak = hostile.peak_rss_mb(node.pid)
    assert peak - base < 100, f"peak RSS {peak:.0f} MB, {peak - base:.0f} MB above {base:.0f} MB"
    client.check_nothing_lost()


def _get_burst(key: bytes, count: int, first_stream: int = 1) -> bytes:
    return b"".join(
        frame(hostile.HEADERS, END_HEADERS, first_stream + 2 * i, hostile.request_block(KV_GET))
        + frame(hostile.DATA, END_STREAM, first_stream + 2 * i, hostile.get_request(key))
        for i in range(count))


def test_clients_that_never_read_hold_bounded_memory(start_node):
    """20 connections (from one address) with a zero flow-control window ask 100 times each for a 1 MiB value and
    never read. This took ~96 MB per connection, kept after close. Each connection may now leave
    8 MiB unread (responses past it are answered RESOURCE_EXHAUSTED) and
    the stalled connections are closed at the request timeout. Bounds: peak 20 x 9 MiB + 100 MB
    above the warmed-up node; within 100 MB of it again once the connections are gone."""
    node = start_node("--request-timeout-ms", "3000")
    client, _ = warmed_up(node)
    key = b"big-" + uuid.uuid4().bytes
    client.kv.Put(kv_pb2.PutRequest(key=key, value=b"v" * (1 << 20)), timeout=10)
    for _ in range(3):
        client.kv.Get(kv_pb2.GetRequest(key=key), timeout=10)
    base = hostile.rss_mb(node.pid)
    conns = []
    for c in range(20):
        conn = RawConnection(node.address, source="127.0.1.1")
        conn.open([(hostile.SETTINGS_INITIAL_WINDOW_SIZE, 0)])
        assert conn.send(_get_burst(key, 100))
        conns.append(conn)
    try:
        client.serve_for(1.5)
        counters = client.stats()
        assert counters["conn.response_refused_unread"] > 0
        # A connection whose every Get was refused has nothing unread and is not stalled.
        wait_for("the stalled readers to be closed", lambda: client.stats()["conn.closed_stalled"] > 0,
                 timeout=15, describe=lambda: {k: v for k, v in client.stats().items() if k.startswith("conn.")})
    finally:
        for conn in conns:
            conn.close()
    peak = hostile.peak_rss_mb(node.pid)
    assert peak - base < 20 * 9 + 100, f"peak RSS {peak:.0f} MB, {peak - base:.0f} MB above {base:.0f} MB"
    wait_for("memory to be returned after the connections closed",
             lambda: hostile.rss_mb(node.pid) - base < 100, timeout=10)
    client.serve_once()
    client.check_nothing_lost()


def test_clients_with_an_open_window_that_never_read_hold_bounded_memory(start_node):
    """The same with the window wide open and a tiny receive buffer: the kernel's buffers fill,
    and the node must stop producing (this grew by 744 MB in 4 s). Bound: peak 20 x 9 MiB +
    100 MB above the warmed-up node."""
    node = start_node("--request-timeout-ms", "3000")
    client, _ = warmed_up(node)
    key = b"big-" + uuid.uuid4().bytes
    client.kv.Put(kv_pb2.PutRequest(key=key, value=b"w" * (1 << 20)), timeout=10)
    for _ in range(3):
        client.kv.Get(kv_pb2.GetRequest(key=key), timeout=10)
    base = hostile.rss_mb(node.pid)
    huge = (1 << 31) - 1

    def attack(stop: threading.Event):
        conn = RawConnection(node.address, source="127.0.2.1", recv_buffer=4096, timeout=0.5)
        conn.open([(hostile.SETTINGS_INITIAL_WINDOW_SIZE, huge)])
        conn.send(frame(hostile.WINDOW_UPDATE, 0, 0, (huge - 65535).to_bytes(4, "big")))
        stream = 1
        while not stop.is_set():
            if not conn.send(_get_burst(key, 50, stream)):
                break  # the node stopped reading (or closed): exactly what it should do
            stream += 100
            time.sleep(0.05)
        conn.close()

    with Attack(attack, threads=20) as running:
        client.serve_for(3.0)
    assert not running.errors, running.errors
    peak = hostile.peak_rss_mb(node.pid)
    assert peak - base < 20 * 9 + 100, f"peak RSS {peak:.0f} MB, {peak - base:.0f} MB above {base:.0f} MB"
    client.serve_once()
    client.check_nothing_lost()


def _open_idle(address: str, count: int, source: str) -> list:
    """Opens up to `count` TCP connections that never send a byte (some may be refused)."""
    socks = []
    for _ in range(count):
        try:
            socks.append(RawConnection(address, source=source, timeout=2.0))
        except OSError:
            pass
    return socks


def test_idle_connections_under_a_small_file_limit(start_node):
    """`ulimit -n 1024` and 1,100 idle TCP connections: a core was pinned at 100 % and normal
    clients timed out. Now the caps follow the file limit (the longest-idle connection of a source
    makes room for a new one) and the node stays idle. Bounds: under 0.5 s of CPU over 2 s of
    attack; open descriptors under the limit."""
    node = start_node(open_files=1024)
    client, _ = warmed_up(node)
    socks = _open_idle(node.address, 1100, "127.0.0.2")
    try:
        assert len(socks) > 500
        before = hostile.cpu_seconds(node.pid)
        time.sleep(2.0)  # measuring a rate over a window: nothing to await
        spent = hostile.cpu_seconds(node.pid) - before
        assert spent < 0.5, f"the node spent {spent:.2f} s of CPU in 2 s with idle connections open"
        assert hostile.open_files(node.pid) < 1024
        fresh = NormalClient(node.address)  # a new connection from another source is admitted
        fresh.serve_once()
        fresh.close()
        client.serve_once()
        assert client.stats()["conn.evicted_idle"] > 0
    finally:
        for s in socks:
            s.close()
    client.check_nothing_lost()


def test_accept_backs_off_when_out_of_file_descriptors(start_node):
    """Connection caps set above the file limit: accepting fails with EMFILE. The listener must
    pause instead of retrying in a loop, established clients keep being served, and new ones
    are accepted again once descriptors are free. Bound: under 0.5 s of CPU over 2 s."""
    node = start_node("--max-connections", "5000", "--max-connections-per-source", "5000", open_files=1024)
    client, _ = warmed_up(node)
    socks = _open_idle(node.address, 1100, "127.0.0.2")
    try:
        before = hostile.cpu_seconds(node.pid)
        time.sleep(2.0)  # measuring a rate over a window: nothing to await
        spent = hostile.cpu_seconds(node.pid) - before
        assert spent < 0.5, f"the node spent {spent:.2f} s of CPU in 2 s at its file limit"
        client.serve_once()
        assert client.stats()["conn.accept_backed_off"] > 0
    finally:
        for s in socks:
            s.close()
    fresh = wait_for("a new connection to be accepted", lambda: _try_client(node.address), timeout=10)
    fresh.serve_once()
    fresh.close()
    client.check_nothing_lost()


def _try_client(address: str):
    try:
        c = NormalClient(address)
        c.serve_once()
        return c
    except (grpc.RpcError, grpc.FutureTimeoutError):
        return None
