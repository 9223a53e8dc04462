"""gRPC's request rules at the byte level, where grpcio would not break them: `te: trailers` is
required, a compressed message without negotiated compression is INTERNAL, and an unsupported
`grpc-encoding` is UNIMPLEMENTED naming the encoding the node accepts. And flow control as grpcio
drives it: large responses to a client with a small window are all delivered."""

from concurrent.futures import ThreadPoolExecutor

import grpc

import hostile
from gyre_testlib import MAX_MESSAGE, kv_pb2, kv_pb2_grpc
from hostile import END_HEADERS, END_STREAM, frame

KV_GET = "/gyre.v1.KV/Get"


def _request(block: bytes, body: bytes) -> bytes:
    return frame(hostile.HEADERS, END_HEADERS, 1, block) + frame(hostile.DATA, END_STREAM, 1, body)


def test_missing_te_trailers_is_internal(node):
    fields = hostile.exchange(node, _request(hostile.request_block(KV_GET, te=False), hostile.get_request(b"k")))
    assert fields["grpc-status"] == "13"
    assert "te: trailers" in fields.get("grpc-message", "")


def test_compressed_flag_without_encoding_is_internal(node):
    message = hostile.get_request(b"k")
    compressed = b"\x01" + message[1:]
    fields = hostile.exchange(node, _request(hostile.request_block(KV_GET), compressed))
    assert fields["grpc-status"] == "13"


def test_unsupported_encoding_is_unimplemented_naming_identity(node):
    block = hostile.request_block(KV_GET) + hostile.literal("grpc-encoding", "gzip")
    fields = hostile.exchange(node, _request(block, b"\x01" + hostile.get_request(b"k")[1:]))
    assert fields["grpc-status"] == "12"
    assert fields.get("grpc-accept-encoding") == "identity"


def test_large_responses_reach_a_client_with_a_small_window(start_node):
    """Two 3 MiB Gets at once on one channel whose window stays at 64 KiB (no BDP probing): 6 MiB
    wait for the client's window updates. The node once stopped reading at half its unsent limit
    (4 MiB), so it never saw those updates and closed the connection as stalled."""
    node = start_node("--max-value-bytes", str(4 << 20), "--request-timeout-ms", "3000")
    options = [("grpc.http2.bdp_probe", 0), ("grpc.max_receive_message_length", MAX_MESSAGE),
               ("grpc.max_send_message_length", MAX_MESSAGE), ("grpc.enable_http_proxy", 0)]
    channel = grpc.insecure_channel(node.address, options=options)
    kv = kv_pb2_grpc.KVStub(channel)
    values = {f"big-{i}".encode(): bytes([i]) * (3 << 20) for i in range(2)}
    for key, value in values.items():
        kv.Put(kv_pb2.PutRequest(key=key, value=value), timeout=30)
    for _ in range(3):
        with ThreadPoolExecutor(len(values)) as pool:
            answers = list(pool.map(lambda key: kv.Get(kv_pb2.GetRequest(key=key), timeout=30), values))
        assert [list(a.values) for a in answers] == [[v] for v in values.values()]
    channel.close()
