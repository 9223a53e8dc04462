"""gRPC's request rules at the byte level, where grpcio would not break them: `te: trailers` is
required, a compressed message without negotiated compression is INTERNAL, and an unsupported
`grpc-encoding` is UNIMPLEMENTED naming the encoding the node accepts."""

import hostile
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
