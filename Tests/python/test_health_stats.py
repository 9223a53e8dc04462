"""grpc.health.v1.Health/Check and gyre.v1.Cluster/Stats."""

import uuid

import grpc
import pytest

from gyre_testlib import RPC_TIMEOUT_S, cluster_pb2, health_pb2, kv_pb2, stats


@pytest.mark.parametrize("service", ["", "gyre.v1.KV"])
def test_health_serving(health, service):
    resp = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=RPC_TIMEOUT_S)
    assert resp.status == health_pb2.HealthCheckResponse.SERVING


def test_health_unknown_service_is_not_found(health):
    with pytest.raises(grpc.RpcError) as info:
        health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=RPC_TIMEOUT_S)
    assert info.value.code() == grpc.StatusCode.NOT_FOUND


def test_stats_count_calls_by_method_and_status(kv, health, cluster):
    before = stats(cluster)
    prefix = f"test/stats/{uuid.uuid4().hex}/".encode()
    for i in range(5):
        kv.Put(kv_pb2.PutRequest(key=prefix + b"%d" % i, value=b"v"), timeout=RPC_TIMEOUT_S)
    kv.Get(kv_pb2.GetRequest(key=prefix + b"0"), timeout=RPC_TIMEOUT_S)
    with pytest.raises(grpc.RpcError):
        kv.Get(kv_pb2.GetRequest(key=b""), timeout=RPC_TIMEOUT_S)
    health.Check(health_pb2.HealthCheckRequest(), timeout=RPC_TIMEOUT_S)
    after = stats(cluster)

    def grew(name):
        return after.get(name, 0) - before.get(name, 0)

    assert grew("rpc.KV.Put.OK") == 5
    assert grew("rpc.KV.Get.OK") == 1
    assert grew("rpc.KV.Get.INVALID_ARGUMENT") == 1
    assert grew("rpc.Health.Check.OK") == 1
    assert grew("storage.keys") == 5
    # The first Stats call has finished by the time of the second.
    assert grew("rpc.Cluster.Stats.OK") >= 1


def test_stats_has_the_documented_counters_sorted_by_name(cluster):
    resp = cluster.Stats(cluster_pb2.StatsRequest(), timeout=RPC_TIMEOUT_S)
    names = [c.name for c in resp.counters]
    assert names == sorted(names)
    for name in ["rpc.in_flight", "storage.keys"]:
        assert name in names



def test_watch_ring_streams_the_current_ring_to_a_grpcio_client(cluster):
    ring = cluster.Ring(cluster_pb2.RingRequest(), timeout=RPC_TIMEOUT_S)
    stream = cluster.WatchRing(cluster_pb2.RingRequest(), timeout=1.0)
    first = next(stream)
    assert first == ring
    # Nothing else comes while the ring stays as it is: the deadline ends the stream.
    with pytest.raises(grpc.RpcError) as raised:
        next(stream)
    assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
