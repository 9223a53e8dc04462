"""Put / Get / Delete semantics of a single node (one version per key)."""

import os
import uuid

from gyre_testlib import RPC_TIMEOUT_S, VALUE_LIMIT, kv_pb2


def unique_key(tag: str) -> bytes:
    return f"test/{tag}/{uuid.uuid4().hex}".encode()


def put(kv, key, value):
    return kv.Put(kv_pb2.PutRequest(key=key, value=value), timeout=RPC_TIMEOUT_S)


def get(kv, key):
    return kv.Get(kv_pb2.GetRequest(key=key), timeout=RPC_TIMEOUT_S)


def test_put_get_delete_round_trip(kv):
    key = unique_key("roundtrip")
    put_resp = put(kv, key, b"hello")
    assert put_resp.replicas == 1

    got = get(kv, key)
    assert list(got.values) == [b"hello"]
    assert got.replicas == 1

    kv.Delete(kv_pb2.DeleteRequest(key=key, context=got.context), timeout=RPC_TIMEOUT_S)
    after = get(kv, key)
    assert list(after.values) == []


def test_put_with_context_replaces_value(kv):
    key = unique_key("replace")
    put(kv, key, b"one")
    got = get(kv, key)
    kv.Put(kv_pb2.PutRequest(key=key, value=b"two", context=got.context), timeout=RPC_TIMEOUT_S)
    assert list(get(kv, key).values) == [b"two"]


def test_get_missing_key_is_ok_with_no_values(kv):
    got = get(kv, unique_key("missing"))
    assert list(got.values) == []
    assert got.replicas == 1


def test_delete_missing_key_is_ok(kv):
    key = unique_key("delete-missing")
    kv.Delete(kv_pb2.DeleteRequest(key=key), timeout=RPC_TIMEOUT_S)
    assert list(get(kv, key).values) == []


def test_binary_keys_and_values(kv):
    every_byte = bytes(range(256))
    cases = [
        (every_byte, every_byte),
        (b"\x00", b"\x00"),
        (b"\x00" * 64, b"\x00" * 4096),
        (every_byte[::-1] + uuid.uuid4().bytes, every_byte * 16),
        (b"\xff\xfe\x80 not utf-8 \xc3\x28", b"\xc3\x28\xa0\xa1"),
    ]
    for key, value in cases:
        put(kv, key, value)
    for key, value in cases:
        assert list(get(kv, key).values) == [value], f"key {key[:16]!r}..."


def test_empty_value_is_a_value_not_a_missing_key(kv):
    key = unique_key("empty-value")
    put(kv, key, b"")
    assert list(get(kv, key).values) == [b""]


def test_key_of_exactly_the_limit_is_accepted(kv):
    key = (b"k" * 1024)[:-16] + uuid.uuid4().bytes
    assert len(key) == 1024
    put(kv, key, b"v")
    assert list(get(kv, key).values) == [b"v"]


def test_one_mib_value_round_trip(kv):
    key = unique_key("1mib")
    value = os.urandom(VALUE_LIMIT)
    assert len(value) == 1048576
    put(kv, key, value)
    got = get(kv, key)
    assert len(got.values) == 1
    assert got.values[0] == value


def test_overwrite_then_delete_then_write_again(kv):
    key = unique_key("rewrite")
    put(kv, key, b"a")
    ctx = get(kv, key).context
    kv.Delete(kv_pb2.DeleteRequest(key=key, context=ctx), timeout=RPC_TIMEOUT_S)
    assert list(get(kv, key).values) == []
    ctx = get(kv, key).context
    kv.Put(kv_pb2.PutRequest(key=key, value=b"b", context=ctx), timeout=RPC_TIMEOUT_S)
    assert list(get(kv, key).values) == [b"b"]


def test_200_concurrent_calls(kv):
    n = 200
    prefix = unique_key("concurrent")
    items = [(prefix + b"/%d" % i, b"value-%d-" % i + os.urandom(32)) for i in range(n)]

    put_futures = [
        kv.Put.future(kv_pb2.PutRequest(key=k, value=v), timeout=RPC_TIMEOUT_S)
        for k, v in items
    ]
    for f in put_futures:
        assert f.result().replicas == 1

    get_futures = [kv.Get.future(kv_pb2.GetRequest(key=k), timeout=RPC_TIMEOUT_S) for k, _ in items]
    for (k, v), f in zip(items, get_futures):
        assert list(f.result().values) == [v], k
