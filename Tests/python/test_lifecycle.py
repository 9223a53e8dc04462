"""The process contract: one 'serving on' line, graceful exit 0 on SIGINT/SIGTERM."""

import signal

import pytest

from gyre_testlib import STOP_TIMEOUT_S, health_pb2, health_pb2_grpc, open_channel


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_the_node_with_exit_code_0(start_node, sig):
    node = start_node()
    ch = open_channel(node.address)
    try:
        resp = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert resp.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        ch.close()
    node.popen.send_signal(sig)
    rc = node.popen.wait(timeout=STOP_TIMEOUT_S)
    assert rc == 0, f"exit code {rc}; stderr:\n{node.stderr_tail()}"


def test_node_killed_mid_request_gives_unavailable(start_node):
    """A node that dies while a call is in flight: the client gets UNAVAILABLE, not a hang."""
    import grpc
    from gyre_testlib import kv_pb2, kv_pb2_grpc

    node = start_node("--enable-test-hooks")
    ch = open_channel(node.address)
    try:
        kv = kv_pb2_grpc.KVStub(ch)
        kv.Put(kv_pb2.PutRequest(key=b"warm", value=b"up"), timeout=5)
        # The handler starts 5 s late, so the call is surely in flight when the node dies.
        future = kv.Put.future(kv_pb2.PutRequest(key=b"doomed", value=b"x"), timeout=30,
                               metadata=(("gyre-test-delay-ms", "5000"),))
        node.popen.send_signal(signal.SIGKILL)
        node.popen.wait(timeout=STOP_TIMEOUT_S)
        with pytest.raises(grpc.RpcError) as err:
            future.result(timeout=10)
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        ch.close()
