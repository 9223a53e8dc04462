"""Contexts are sealed for the key and the cluster that issued them: a client can hand one back,
never make, edit or move one."""

import uuid

import grpc
import pytest

from gyre_testlib import RPC_TIMEOUT_S, kv_pb2, kv_pb2_grpc, open_channel, stats

REFUSED = "context was not issued for this key by this cluster"


def unique_key(tag: str) -> bytes:
    return f"test/contexts/{tag}/{uuid.uuid4().hex}".encode()


def put(kv, key, value, context=b""):
    return kv.Put(kv_pb2.PutRequest(key=key, value=value, context=context), timeout=RPC_TIMEOUT_S)


def get(kv, key):
    return kv.Get(kv_pb2.GetRequest(key=key), timeout=RPC_TIMEOUT_S)


def refused(call, request) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        call(request, timeout=RPC_TIMEOUT_S)
    err = info.value
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err
    assert REFUSED in (err.details() or ""), err.details()
    return err


def test_read_modify_write_with_the_context_still_works(kv):
    key = unique_key("rmw")
    put(kv, key, b"one")
    put(kv, key, b"two")  # no context: a sibling
    got = get(kv, key)
    assert sorted(got.values) == [b"one", b"two"]
    written = put(kv, key, b"merged", got.context)
    assert list(written.values) == [b"merged"]
    # The put's answer context works as well as a get's.
    again = put(kv, key, b"again", written.context)
    assert list(again.values) == [b"again"]
    kv.Delete(kv_pb2.DeleteRequest(key=key, context=again.context), timeout=RPC_TIMEOUT_S)
    assert list(get(kv, key).values) == []


def test_a_context_of_another_key_is_refused_and_the_siblings_stay(kv, cluster):
    a, b = unique_key("a"), unique_key("b")
    put(kv, b, b"one")
    put(kv, b, b"two")
    put(kv, a, b"x")
    context_of_a = get(kv, a).context
    assert context_of_a
    before = stats(cluster).get("kv.contexts_refused", 0)
    refused(kv.Put, kv_pb2.PutRequest(key=b, value=b"three", context=context_of_a))
    refused(kv.Delete, kv_pb2.DeleteRequest(key=b, context=context_of_a))
    assert stats(cluster)["kv.contexts_refused"] == before + 2
    assert sorted(get(kv, b).values) == [b"one", b"two"]


@pytest.mark.parametrize(
    "context",
    [b"garbage", b"\x11\x01" + b"\x00" * 16 + b"\x01", b"\x12" + b"\x00" * 40, b"\xff"],
    ids=["text", "bare-vector", "made-up-mac", "one-byte"],
)
def test_a_made_up_context_is_refused_and_nothing_is_written(kv, context):
    key = unique_key("garbage")
    refused(kv.Put, kv_pb2.PutRequest(key=key, value=b"v", context=context))
    assert list(get(kv, key).values) == []


def test_a_changed_context_is_refused(kv):
    key = unique_key("changed")
    put(kv, key, b"v")
    context = bytearray(get(kv, key).context)
    context[len(context) // 2] ^= 0x01
    refused(kv.Put, kv_pb2.PutRequest(key=key, value=b"w", context=bytes(context)))
    assert list(get(kv, key).values) == [b"v"]


def test_a_context_of_another_cluster_is_refused(start_node):
    """Two single-node clusters, each with its own secret: the same key, different clusters."""
    first, second = start_node(), start_node()
    ch1, ch2 = open_channel(first.address), open_channel(second.address)
    try:
        kv1, kv2 = kv_pb2_grpc.KVStub(ch1), kv_pb2_grpc.KVStub(ch2)
        key = unique_key("cluster")
        put(kv1, key, b"first")
        put(kv2, key, b"second")
        context = get(kv1, key).context
        refused(kv2.Put, kv_pb2.PutRequest(key=key, value=b"x", context=context))
        assert list(get(kv2, key).values) == [b"second"]
        # In its own cluster it is fine.
        assert list(put(kv1, key, b"replaced", context).values) == [b"replaced"]
    finally:
        ch1.close()
        ch2.close()


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _forged_vector(actors: int, counter: int, fmt: int) -> bytes:
    """A well-formed version vector (sorted actors, minimal varints) in the given format byte."""
    body = _varint(actors) + b"".join(i.to_bytes(16, "big") + _varint(counter) for i in range(1, actors + 1))
    return bytes([fmt]) + body


def test_forged_contexts_cannot_bloat_or_lock_a_key(start_node):
    """The table's attack on the client port: a 100,000-actor context (~2 MB) used to stay in the
    key, and a forged counter of 2^62 per member locked it for good. Both, in the old bare format
    and with a made-up seal, over and over: every one is refused, nothing is written, the key
    keeps accepting writes, Health answers, and the node's memory stays within 100 MB of where it
    started."""
    import hostile
    from gyre_testlib import health_pb2, health_pb2_grpc

    node = start_node()
    channel = open_channel(node.address)
    kv = kv_pb2_grpc.KVStub(channel)
    health = health_pb2_grpc.HealthStub(channel)
    key = unique_key("locked")
    put(kv, key, b"first")
    base = hostile.rss_mb(node.pid)
    forged = [
        _forged_vector(100_000, 1, 0x11),
        _forged_vector(100_000, 1, 0x12) + bytes(16),
        _forged_vector(3, 1 << 62, 0x11),
        _forged_vector(3, 1 << 62, 0x12) + bytes(16),
    ]
    for _ in range(5):
        for context in forged:
            refused(kv.Put, kv_pb2.PutRequest(key=key, value=b"forged", context=context))
            refused(kv.Delete, kv_pb2.DeleteRequest(key=key, context=context))
        assert health.Check(health_pb2.HealthCheckRequest(), timeout=RPC_TIMEOUT_S).status == \
            health_pb2.HealthCheckResponse.SERVING
    assert list(get(kv, key).values) == [b"first"]
    answer = get(kv, key)
    put(kv, key, b"second", answer.context)
    assert list(get(kv, key).values) == [b"second"]
    peak = hostile.peak_rss_mb(node.pid)
    assert peak - base < 100, f"peak RSS {peak:.0f} MB, {peak - base:.0f} MB above {base:.0f} MB"
    channel.close()
