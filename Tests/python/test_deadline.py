"""Deadlines: the server answers DEADLINE_EXCEEDED itself and skips expired writes."""

import uuid

import grpc
import pytest

from gyre_testlib import RPC_TIMEOUT_S, kv_pb2, stats, wait_for


def test_put_whose_deadline_expires_on_the_server_is_not_applied(kv, cluster):
    key = f"test/deadline/{uuid.uuid4().hex}".encode()
    before = stats(cluster)

    with pytest.raises(grpc.RpcError) as info:
        kv.Put(
            kv_pb2.PutRequest(key=key, value=b"too late"),
            timeout=0.3,
            metadata=(("gyre-test-delay-ms", "1000"),),
        )
    assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED

    def grew(name: str, now: dict) -> int:
        return now.get(name, 0) - before.get(name, 0)

    # The client gives up at 0.3 s on its own; the server's answer and the skipped write show up
    # in its counters (the handler starts only after the 1 s delay).
    def settled():
        now = stats(cluster)
        ok = (
            grew("rpc.deadline_exceeded", now) >= 1
            and grew("rpc.KV.Put.DEADLINE_EXCEEDED", now) >= 1
            and grew("kv.expired_writes_skipped", now) >= 1
        )
        return now if ok else None

    now = wait_for("the server to count the expired Put", settled, timeout=10.0)
    assert grew("kv.expired_writes_skipped", now) == 1
    assert grew("rpc.KV.Put.OK", now) == 0

    got = kv.Get(kv_pb2.GetRequest(key=key), timeout=RPC_TIMEOUT_S)
    assert list(got.values) == []


def test_delay_within_deadline_still_succeeds(kv):
    key = f"test/deadline-ok/{uuid.uuid4().hex}".encode()
    kv.Put(
        kv_pb2.PutRequest(key=key, value=b"in time"),
        timeout=5.0,
        metadata=(("gyre-test-delay-ms", "100"),),
    )
    assert list(kv.Get(kv_pb2.GetRequest(key=key), timeout=RPC_TIMEOUT_S).values) == [b"in time"]
