"""Durable storage, seen from outside: acknowledged writes survive SIGKILL (with --sync always,
and demonstrably not with --sync none), concurrent writers share fsyncs (group commit), a node
restarted on its data directory is the same node with its data, and a directory that is not
this node's store is refused at start with a clear message, untouched."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from pathlib import Path

import grpc
import pytest

import gyre_testlib as lib
from conftest import _node_bin
from gyre_testlib import (
    STOP_TIMEOUT_S,
    cluster_pb2,
    cluster_pb2_grpc,
    kv_pb2,
    kv_pb2_grpc,
    open_channel,
)

WRITERS = 50


class Writers:
    """WRITERS threads putting fresh keys until stopped; every acknowledged key is recorded."""

    def __init__(self, address: str, prefix: str):
        self.channel = open_channel(address)
        self.kv = kv_pb2_grpc.KVStub(self.channel)
        self.prefix = prefix
        self.acked: list[bytes] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.failures = 0
        self.threads = [threading.Thread(target=self._run, args=(w,), daemon=True) for w in range(WRITERS)]

    def _run(self, worker: int) -> None:
        seq = 0
        while not self.stop.is_set():
            key = f"{self.prefix}/{worker}/{seq}".encode()
            seq += 1
            try:
                self.kv.Put(kv_pb2.PutRequest(key=key, value=key * 4), timeout=5)
            except grpc.RpcError:
                self.failures += 1  # the node died mid-call: not acknowledged
                if self.stop.is_set():
                    return
                time.sleep(0.01)
                continue
            with self.lock:
                self.acked.append(key)

    def start(self) -> "Writers":
        for t in self.threads:
            t.start()
        return self

    def count(self) -> int:
        with self.lock:
            return len(self.acked)

    def finish(self) -> list[bytes]:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=15)
        self.channel.close()
        with self.lock:
            return list(self.acked)


def _missing(address: str, keys: list[bytes]) -> list[bytes]:
    ch = open_channel(address)
    try:
        kv = kv_pb2_grpc.KVStub(ch)
        return [k for k in keys if list(kv.Get(kv_pb2.GetRequest(key=k), timeout=10).values) != [k * 4]]
    finally:
        ch.close()


def _crash_under_load(start_node, tmp_path: Path, sync: str, seed: int) -> tuple[int, list[bytes]]:
    """Writes with 50 writers, SIGKILLs the node at a seeded random moment, restarts it on the
    same directory; returns (acknowledged count, acknowledged keys missing after the restart)."""
    data = tmp_path / f"data-{sync.replace(':', '-')}"
    node = start_node("--data-dir", str(data), "--sync", sync)
    writers = Writers(node.address, f"crash-{sync}").start()
    rng = random.Random(seed)
    lib.wait_for("500 acknowledged writes", lambda: writers.count() >= 500, timeout=30)
    time.sleep(rng.uniform(0.0, 0.5))  # the random moment (seeded, printed on failure)
    node.popen.send_signal(signal.SIGKILL)
    node.popen.wait(timeout=STOP_TIMEOUT_S)
    acked = writers.finish()
    restarted = start_node("--data-dir", str(data), "--sync", sync)
    return len(acked), _missing(restarted.address, acked)


@pytest.mark.parametrize("seed", [1, 2])
def test_acknowledged_writes_survive_sigkill_with_sync_always(start_node, tmp_path, seed):
    acked, missing = _crash_under_load(start_node, tmp_path, "always", seed)
    assert acked >= 500
    assert not missing, (f"seed {seed}: {len(missing)} of {acked} acknowledged writes lost after SIGKILL "
                         f"with --sync always, e.g. {missing[:5]}")


def test_sync_none_loses_acknowledged_writes_on_sigkill(start_node, tmp_path):
    """The same crash with --sync none: the unflushed WAL buffer dies with the process, so
    acknowledged writes are lost. This is what makes the test above able to fail."""
    acked, missing = _crash_under_load(start_node, tmp_path, "none", seed=3)
    assert acked >= 500
    assert missing, f"--sync none lost none of {acked} acknowledged writes: the crash test cannot tell the modes apart"


def test_concurrent_writers_share_fsyncs(start_node, tmp_path):
    """Group commit: at 50 concurrent writers with --sync always, fewer than 0.2 WAL fsyncs per
    acknowledged write (RocksDB's own rocksdb.wal.synced ticker, through Stats)."""
    node = start_node("--data-dir", str(tmp_path / "data"), "--sync", "always")
    ch = open_channel(node.address)
    cluster = cluster_pb2_grpc.ClusterStub(ch)
    before = lib.stats(cluster)
    writers = Writers(node.address, "group").start()
    lib.wait_for("3000 acknowledged writes", lambda: writers.count() >= 3000, timeout=60)
    acked = writers.finish()
    after = lib.stats(cluster)
    ch.close()
    writes = after["storage.writes"] - before["storage.writes"]
    syncs = after["storage.wal_syncs"] - before["storage.wal_syncs"]
    assert writes >= len(acked) >= 3000
    ratio = syncs / writes
    print(f"group commit: {syncs} WAL fsyncs for {writes} writes = {ratio:.3f} per write")
    assert 0 < ratio < 0.2, f"{syncs} fsyncs for {writes} writes ({ratio:.3f} per write)"


def test_restart_on_the_same_directory_keeps_id_ring_and_data(start_node, tmp_path):
    data = tmp_path / "data"
    node = start_node("--data-dir", str(data))
    ch = open_channel(node.address)
    kv_pb2_grpc.KVStub(ch).Put(kv_pb2.PutRequest(key=b"kept", value=b"across restarts"), timeout=10)
    ring = cluster_pb2_grpc.ClusterStub(ch).Ring(cluster_pb2.RingRequest(), timeout=10)
    ch.close()
    assert node.stop() == 0
    again = start_node("--data-dir", str(data))
    ch = open_channel(again.address)
    try:
        ring2 = cluster_pb2_grpc.ClusterStub(ch).Ring(cluster_pb2.RingRequest(), timeout=10)
        assert [m.node_id for m in ring2.members] == [m.node_id for m in ring.members]
        assert ring2.cluster_id == ring.cluster_id
        got = kv_pb2_grpc.KVStub(ch).Get(kv_pb2.GetRequest(key=b"kept"), timeout=10)
        assert list(got.values) == [b"across restarts"]
    finally:
        ch.close()


def _refused(data: Path, *extra: str) -> str:
    """Runs gyre-node on `data`; it must exit non-zero at once. Returns its stderr."""
    proc = subprocess.run([_node_bin(), "--listen", "127.0.0.1:0", "--data-dir", str(data), *extra],
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    assert proc.returncode == 2, f"exit code {proc.returncode}; stdout {proc.stdout!r}; stderr {proc.stderr!r}"
    assert b"serving on" not in proc.stdout
    return proc.stderr.decode(errors="replace")


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_a_directory_that_is_not_a_store_is_refused_untouched(tmp_path):
    data = tmp_path / "not-a-store"
    data.mkdir()
    (data / "notes.txt").write_text("someone's files")
    before = _snapshot(data)
    err = _refused(data)
    assert "not a Gyre store" in err or "not empty" in err, err
    assert _snapshot(data) == before


def test_a_corrupted_store_is_refused_untouched(start_node, tmp_path):
    data = tmp_path / "data"
    node = start_node("--data-dir", str(data))
    assert node.stop() == 0
    manifests = sorted(data.glob("MANIFEST-*"))
    assert manifests
    manifests[-1].write_bytes(b"\x00garbage\xff" * 64)
    before = _snapshot(data)
    err = _refused(data)
    assert "cannot open the store" in err and "RocksDB" in err, err
    assert _snapshot(data) == before


def test_a_store_of_another_cluster_is_refused(start_node, tmp_path):
    data = tmp_path / "data"
    node = start_node("--data-dir", str(data))
    assert node.stop() == 0
    err = _refused(data, "--cluster-id", "00000000-0000-4000-8000-000000000001")
    assert "belongs to cluster" in err and "--cluster-id" in err, err
