"""Deadlines: the server answers DEADLINE_EXCEEDED itself and skips expired writes. Requests are
held by the node's test hook (`gyre-test-hold`) until a request with `gyre-test-release` frees
them, so nothing races a delay against a deadline."""

import uuid

import grpc
import pytest

from gyre_testlib import RPC_TIMEOUT_S, kv_pb2, stats, wait_for


def test_put_whose_deadline_expires_on_the_server_is_not_applied(kv, cluster):
    key = f"test/deadline/{uuid.uuid4().hex}".encode()
    before = stats(cluster)

    hold = uuid.uuid4().hex
    with pytest.raises(grpc.RpcError) as info:
        kv.Put(
            kv_pb2.PutRequest(key=key, value=b"too late"),
            timeout=0.3,
            metadata=(("gyre-test-hold", hold),),
        )
    assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    # Released after its deadline passed (by another request): the handler must skip it.
    kv.Get(kv_pb2.GetRequest(key=b"release"), timeout=RPC_TIMEOUT_S, metadata=(("gyre-test-release", hold),))

    def grew(name: str, now: dict) -> int:
        return now.get(name, 0) - before.get(name, 0)

    # The client gives up at 0.3 s on its own; the server's answer and the skipped write show up
    # in its counters.
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


def test_a_held_write_released_within_its_deadline_succeeds(kv, cluster):
    key = f"test/deadline-ok/{uuid.uuid4().hex}".encode()
    hold = uuid.uuid4().hex
    before = stats(cluster).get("rpc.in_flight", 0)  # counts the Stats call asking, too
    future = kv.Put.future(kv_pb2.PutRequest(key=key, value=b"in time"), timeout=30.0,
                           metadata=(("gyre-test-hold", hold),))
    wait_for("the Put to be held", lambda: stats(cluster).get("rpc.in_flight", 0) > before, timeout=10.0)
    kv.Get(kv_pb2.GetRequest(key=b"release"), timeout=RPC_TIMEOUT_S, metadata=(("gyre-test-release", hold),))
    future.result(timeout=RPC_TIMEOUT_S)
    assert list(kv.Get(kv_pb2.GetRequest(key=key), timeout=RPC_TIMEOUT_S).values) == [b"in time"]
