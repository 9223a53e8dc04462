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
