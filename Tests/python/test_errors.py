"""Status codes for bad requests: limits, malformed messages, unknown methods."""

import uuid

import grpc
import pytest

from gyre_testlib import KEY_LIMIT, RPC_TIMEOUT_S, VALUE_LIMIT, kv_pb2, raw_unary, stats


def rpc_error(call, *args, **kwargs) -> grpc.RpcError:
    kwargs.setdefault("timeout", RPC_TIMEOUT_S)
    with pytest.raises(grpc.RpcError) as info:
        call(*args, **kwargs)
    return info.value


def key_request(method: str, key: bytes):
    if method == "Get":
        return kv_pb2.GetRequest(key=key)
    if method == "Put":
        return kv_pb2.PutRequest(key=key, value=b"v")
    return kv_pb2.DeleteRequest(key=key)


@pytest.mark.parametrize("method", ["Get", "Put", "Delete"])
def test_empty_key_is_invalid_argument(kv, method):
    err = rpc_error(getattr(kv, method), key_request(method, b""))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "key is empty" in (err.details() or "")


@pytest.mark.parametrize("method", ["Get", "Put", "Delete"])
def test_oversized_key_is_invalid_argument(kv, method):
    key = b"k" * (KEY_LIMIT + 1)
    err = rpc_error(getattr(kv, method), key_request(method, key))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "key is 1025 bytes: the limit is 1024 bytes" in (err.details() or "")


def test_oversized_value_is_invalid_argument_and_not_stored(kv):
    key = f"test/big-value/{uuid.uuid4().hex}".encode()
    value = b"v" * (VALUE_LIMIT + 1)
    err = rpc_error(kv.Put, kv_pb2.PutRequest(key=key, value=value))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "value is 1048577 bytes: the limit is 1048576 bytes" in (err.details() or "")
    assert list(kv.Get(kv_pb2.GetRequest(key=key), timeout=RPC_TIMEOUT_S).values) == []


def test_message_over_4_mib_is_resource_exhausted(kv):
    key = f"test/huge-message/{uuid.uuid4().hex}".encode()
    err = rpc_error(kv.Put, kv_pb2.PutRequest(key=key, value=b"x" * (5 * 1024 * 1024)))
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    # The connection survives: the next call on the same channel works.
    kv.Put(kv_pb2.PutRequest(key=key, value=b"small"), timeout=RPC_TIMEOUT_S)
    assert list(kv.Get(kv_pb2.GetRequest(key=key), timeout=RPC_TIMEOUT_S).values) == [b"small"]


@pytest.mark.parametrize("method", ["Get", "Put", "Delete"])
def test_malformed_protobuf_is_invalid_argument(channel, cluster, method):
    before = stats(cluster).get(f"rpc.KV.{method}.INVALID_ARGUMENT", 0)
    err = rpc_error(raw_unary(channel, f"/gyre.v1.KV/{method}"), b"\xff\xff\xff")
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert stats(cluster).get(f"rpc.KV.{method}.INVALID_ARGUMENT", 0) == before + 1


@pytest.mark.parametrize("path", ["/gyre.v1.KV/Nope", "/gyre.v1.Nope/Get", "/nothing"])
def test_unknown_method_is_unimplemented(channel, cluster, path):
    before = stats(cluster).get("rpc.unknown_method", 0)
    err = rpc_error(raw_unary(channel, path), b"")
    assert err.code() == grpc.StatusCode.UNIMPLEMENTED
    assert stats(cluster).get("rpc.unknown_method", 0) == before + 1
