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
    from gyre_testlib import cluster_pb2_grpc, kv_pb2, kv_pb2_grpc, stats, wait_for

    node = start_node("--enable-test-hooks")
    ch = open_channel(node.address)
    try:
        kv = kv_pb2_grpc.KVStub(ch)
        kv.Put(kv_pb2.PutRequest(key=b"warm", value=b"up"), timeout=5)
        # Held by the test hook (never released), so the call is surely in flight when the node dies.
        cluster = cluster_pb2_grpc.ClusterStub(ch)
        future = kv.Put.future(kv_pb2.PutRequest(key=b"doomed", value=b"x"), timeout=30,
                               metadata=(("gyre-test-hold", "doomed"),))
        # rpc.in_flight counts the Stats call asking too.
        wait_for("the Put to be held", lambda: stats(cluster).get("rpc.in_flight", 0) >= 2, timeout=10)
        node.popen.send_signal(signal.SIGKILL)
        node.popen.wait(timeout=STOP_TIMEOUT_S)
        with pytest.raises(grpc.RpcError) as err:
            future.result(timeout=10)
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        ch.close()
