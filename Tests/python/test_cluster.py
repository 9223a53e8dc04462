"""A real 5-node cluster on loopback (N=3, R=W=2): forwarding, siblings, contexts, deletes, a
killed node, read repair of a stale replica, and the UNAVAILABLE trailers.

Every node is a separate gyre-node process, started and stopped by PID. Routing is computed here
from Cluster/Ring with the documented rule (XXH64 of the key, top bits), which also checks that
rule from a second language.
"""

from __future__ import annotations

import signal
import time
import uuid

import grpc
import pytest

from gyre_testlib import (
    RPC_TIMEOUT_S,
    free_ports,
    cluster_pb2,
    cluster_pb2_grpc,
    health_pb2,
    health_pb2_grpc,
    kv_pb2,
    kv_pb2_grpc,
    open_channel,
    open_tls_channel,
    partition_of,
    replica_metadata,
    replica_pb2,
    replica_pb2_grpc,
)

NODES = 5
N = 3
REPLICA_TIMEOUT_MS = 400
FORM_TIMEOUT_S = 20.0


def _eventually(condition, timeout: float = 10.0, what: str = "condition"):
    """Polls `condition` (bounded) until it returns a truthy value, which it returns."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


class Cluster:
    """Five gyre-node processes that know each other through --peers, over mutual TLS (node i is
    named n<i>). The test reaches a node's peer port as that node itself, with its certificate."""

    def __init__(self, start_node, certs, extra_args: tuple[str, ...] = ()):
        peer_ports = free_ports(NODES)
        peers = ",".join(f"127.0.0.1:{p}" for p in peer_ports)
        self.start_node = start_node
        # What each node was started with (a restart with them gets a new data directory).
        self.start_args = [
            ["--peer-listen", f"127.0.0.1:{p}", "--peers", peers, "--partitions", "64",
             "--replica-timeout-ms", str(REPLICA_TIMEOUT_MS), "--enable-test-hooks", *certs.node_args(f"n{i}"),
             *extra_args]
            for i, p in enumerate(peer_ports)
        ]
        self.nodes = [start_node(*args) for args in self.start_args]
        self.peer_addresses = [f"127.0.0.1:{p}" for p in peer_ports]
        self.channels = [open_channel(node.address) for node in self.nodes]
        self.peer_channels = [open_tls_channel(address, certs.credentials(f"n{i}"))
                              for i, address in enumerate(self.peer_addresses)]
        for channel in self.channels:
            health = health_pb2_grpc.HealthStub(channel)
            _eventually(lambda: _serving(health), FORM_TIMEOUT_S, "the cluster to form")
        self.ring = cluster_pb2_grpc.ClusterStub(self.channels[0]).Ring(
            cluster_pb2.RingRequest(), timeout=RPC_TIMEOUT_S)
        self.cluster_id = str(uuid.UUID(bytes=self.ring.cluster_id))
        # Member index -> position in self.nodes, by peer address.
        self.index_of_member = [self.peer_addresses.index(m.peer_address) for m in self.ring.members]
        self.node_ids = ["" for _ in self.nodes]
        for m in self.ring.members:
            self.node_ids[self.peer_addresses.index(m.peer_address)] = str(uuid.UUID(bytes=m.node_id))

    def close(self):
        for channel in self.channels + self.peer_channels:
            channel.close()

    def kv(self, i: int):
        return kv_pb2_grpc.KVStub(self.channels[i])

    def stats(self, i: int) -> dict[str, int]:
        response = cluster_pb2_grpc.ClusterStub(self.channels[i]).Stats(
            cluster_pb2.StatsRequest(), timeout=RPC_TIMEOUT_S)
        return {c.name: c.value for c in response.counters}

    def replica_get(self, i: int, key: bytes) -> replica_pb2.ReplicaGetResponse:
        stub = replica_pb2_grpc.ReplicaStub(self.peer_channels[i])
        partition = self.partition(key)
        return stub.Get(replica_pb2.ReplicaGetRequest(key=key, partition=partition), timeout=RPC_TIMEOUT_S,
                        metadata=replica_metadata(self.cluster_id, self.node_ids[i], self.node_ids[i], self.ring.epoch))

    def partition(self, key: bytes) -> int:
        return partition_of(key, self.ring.partition_count)

    def preference_list(self, key: bytes) -> list[int]:
        """Node positions (in self.nodes) of the key's N replicas, in order."""
        p, q = self.partition(key), self.ring.partition_count
        seen: list[int] = []
        for step in range(q):
            owner = self.ring.owners[(p + step) % q]
            if owner not in seen:
                seen.append(owner)
            if len(seen) == N:
                break
        return [self.index_of_member[m] for m in seen]

    def outsider(self, key: bytes) -> int:
        return next(i for i in range(NODES) if i not in self.preference_list(key))


def _serving(health) -> bool:
    try:
        return health.Check(health_pb2.HealthCheckRequest(), timeout=2).status == \
            health_pb2.HealthCheckResponse.SERVING
    except grpc.RpcError:
        return False


@pytest.fixture(scope="module")
def cluster(start_node_module, certs):
    c = Cluster(start_node_module, certs)
    yield c
    c.close()


@pytest.fixture
def fresh_cluster(start_node, certs):
    """A cluster of its own for tests that kill or pause nodes."""
    c = Cluster(start_node, certs)
    yield c
    c.close()


def test_ring_has_every_member_and_the_routing_rule_matches(cluster):
    assert len(cluster.ring.members) == NODES
    assert cluster.ring.replication == N
    assert len(cluster.ring.owners) == cluster.ring.partition_count == 64
    # The rule computed here agrees with the node's own routing: a key put through its first
    # replica is coordinated there, not forwarded.
    key = b"routing-check"
    first = cluster.preference_list(key)[0]
    before = cluster.stats(first).get("kv.forwarded", 0)
    cluster.kv(first).Put(kv_pb2.PutRequest(key=key, value=b"x"), timeout=RPC_TIMEOUT_S)
    assert cluster.stats(first).get("kv.forwarded", 0) == before


def test_request_to_a_node_outside_the_preference_list_is_forwarded(cluster):
    key = b"forwarded-key"
    outsider = cluster.outsider(key)
    before = cluster.stats(outsider).get("kv.forwarded", 0)
    reads_before = cluster.stats(outsider).get("kv.reads_coordinated_off_replica", 0)
    put = cluster.kv(outsider).Put(kv_pb2.PutRequest(key=key, value=b"v"), timeout=RPC_TIMEOUT_S)
    assert put.replicas >= 2
    # A write is forwarded to a replica; a read is coordinated where it arrives.
    got = cluster.kv(outsider).Get(kv_pb2.GetRequest(key=key), timeout=RPC_TIMEOUT_S)
    assert list(got.values) == [b"v"]
    after = cluster.stats(outsider)
    assert after["kv.forwarded"] >= before + 1
    assert after["kv.reads_coordinated_off_replica"] >= reads_before + 1


def test_answers_carry_the_ring_epoch_and_stats_the_node_id(cluster):
    """Direct and forwarded answers say which ring epoch the coordinator routed by, so a client
    can tell that its copy of the ring is stale; Stats names the node."""
    key = b"epoch-key"
    epoch = cluster.ring.epoch
    assert epoch >= 1
    for i in (cluster.preference_list(key)[0], cluster.outsider(key)):
        kv = cluster.kv(i)
        assert kv.Put(kv_pb2.PutRequest(key=key, value=b"v"), timeout=RPC_TIMEOUT_S).ring_epoch == epoch
        assert kv.Get(kv_pb2.GetRequest(key=key), timeout=RPC_TIMEOUT_S).ring_epoch == epoch
        assert kv.Delete(kv_pb2.DeleteRequest(key=key), timeout=RPC_TIMEOUT_S).ring_epoch == epoch
    for i in range(NODES):
        response = cluster_pb2_grpc.ClusterStub(cluster.channels[i]).Stats(cluster_pb2.StatsRequest(), timeout=RPC_TIMEOUT_S)
        assert response.node_id == cluster.node_ids[i]


def test_two_writers_without_context_make_siblings_and_the_merged_context_resolves_them(cluster):
    key = b"siblings"
    a, b = cluster.preference_list(key)[0], cluster.outsider(key)
    cluster.kv(a).Put(kv_pb2.PutRequest(key=key, value=b"one"), timeout=RPC_TIMEOUT_S)
    cluster.kv(b).Put(kv_pb2.PutRequest(key=key, value=b"two"), timeout=RPC_TIMEOUT_S)
    got = cluster.kv(a).Get(kv_pb2.GetRequest(key=key, r=3), timeout=RPC_TIMEOUT_S)
    assert sorted(got.values) == [b"one", b"two"]
    cluster.kv(b).Put(kv_pb2.PutRequest(key=key, value=b"merged", context=got.context), timeout=RPC_TIMEOUT_S)
    for i in range(NODES):
        again = cluster.kv(i).Get(kv_pb2.GetRequest(key=key), timeout=RPC_TIMEOUT_S)
        assert list(again.values) == [b"merged"], f"node {i}"


def test_put_with_the_context_of_a_put_supersedes_it(cluster):
    key = b"chain"
    kv = cluster.kv(0)
    first = kv.Put(kv_pb2.PutRequest(key=key, value=b"1"), timeout=RPC_TIMEOUT_S)
    kv.Put(kv_pb2.PutRequest(key=key, value=b"2", context=first.context), timeout=RPC_TIMEOUT_S)
    assert list(kv.Get(kv_pb2.GetRequest(key=key), timeout=RPC_TIMEOUT_S).values) == [b"2"]


def test_delete_hides_the_key_on_every_node(cluster):
    key = b"deleted"
    cluster.kv(1).Put(kv_pb2.PutRequest(key=key, value=b"doomed"), timeout=RPC_TIMEOUT_S)
    got = cluster.kv(2).Get(kv_pb2.GetRequest(key=key), timeout=RPC_TIMEOUT_S)
    cluster.kv(3).Delete(kv_pb2.DeleteRequest(key=key, context=got.context, w=3), timeout=RPC_TIMEOUT_S)
    for i in range(NODES):
        after = cluster.kv(i).Get(kv_pb2.GetRequest(key=key, r=3), timeout=RPC_TIMEOUT_S)
        assert list(after.values) == [], f"node {i}"
        assert after.context, "a deleted key still returns a context"


def test_quorum_larger_than_n_is_invalid_argument(cluster):
    with pytest.raises(grpc.RpcError) as err:
        cluster.kv(0).Put(kv_pb2.PutRequest(key=b"k", value=b"v", w=4), timeout=RPC_TIMEOUT_S)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_a_killed_node_does_not_stop_reads_and_writes(fresh_cluster):
    c = fresh_cluster
    key = b"survivor"
    replicas = c.preference_list(key)
    c.kv(replicas[0]).Put(kv_pb2.PutRequest(key=key, value=b"before"), timeout=RPC_TIMEOUT_S)
    victim = replicas[1]
    c.nodes[victim].popen.send_signal(signal.SIGKILL)
    c.nodes[victim].popen.wait(timeout=10)
    alive = [n for n in range(NODES) if n != victim]
    for i in alive:
        got = c.kv(i).Get(kv_pb2.GetRequest(key=key, r=2), timeout=RPC_TIMEOUT_S)
        assert list(got.values) == [b"before"], f"read through node {i}"
    for i in alive:
        got = c.kv(i).Get(kv_pb2.GetRequest(key=key, r=2), timeout=RPC_TIMEOUT_S)
        put = c.kv(i).Put(kv_pb2.PutRequest(key=key, value=b"after-%d" % i, context=got.context, w=2),
                          timeout=RPC_TIMEOUT_S)
        assert put.replicas >= 2
    final = c.kv(replicas[0]).Get(kv_pb2.GetRequest(key=key, r=2), timeout=RPC_TIMEOUT_S)
    assert list(final.values) == [b"after-%d" % alive[-1]]


def test_read_repair_brings_a_stale_replica_up_to_date(fresh_cluster):
    c = fresh_cluster
    key = b"repair-me"
    coordinator, healthy, stale = c.preference_list(key)
    failures_before = c.stats(coordinator).get("replica.failures", 0)
    c.nodes[stale].popen.send_signal(signal.SIGSTOP)
    try:
        put = c.kv(coordinator).Put(kv_pb2.PutRequest(key=key, value=b"fresh", w=2), timeout=RPC_TIMEOUT_S)
        assert put.replicas == 2
        # The paused replica's copy of the write times out on the coordinator's side.
        _eventually(lambda: c.stats(coordinator).get("replica.failures", 0) > failures_before,
                    what="the write to the paused replica to time out")
    finally:
        c.nodes[stale].popen.send_signal(signal.SIGCONT)
    assert not c.replica_get(stale, key).found, "the paused replica must have missed the write"
    repairs_before = c.stats(coordinator).get("kv.read_repairs", 0)
    got = c.kv(coordinator).Get(kv_pb2.GetRequest(key=key), timeout=RPC_TIMEOUT_S)
    assert list(got.values) == [b"fresh"]
    _eventually(lambda: c.replica_get(stale, key).found, what="the read repair to reach the stale replica")
    assert c.replica_get(stale, key).version_set == c.replica_get(coordinator, key).version_set
    assert c.replica_get(healthy, key).version_set == c.replica_get(coordinator, key).version_set
    assert c.stats(coordinator)["kv.read_repairs"] > repairs_before


def test_write_that_misses_its_quorum_is_unavailable_with_acks_and_outcome(fresh_cluster):
    """A strict quorum counts the key's own replicas only: with two of them paused it fails."""
    c = fresh_cluster
    key = b"no-quorum"
    coordinator, second, third = c.preference_list(key)
    for i in (second, third):
        c.nodes[i].popen.send_signal(signal.SIGSTOP)
    try:
        with pytest.raises(grpc.RpcError) as err:
            c.kv(coordinator).Put(kv_pb2.PutRequest(key=key, value=b"v", w=2, strict_quorum=True), timeout=RPC_TIMEOUT_S)
    finally:
        for i in (second, third):
            c.nodes[i].popen.send_signal(signal.SIGCONT)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    trailers = dict(err.value.trailing_metadata())
    assert trailers["gyre-acks"] == "1"
    assert trailers["gyre-outcome"] == "possibly-applied"
    # The coordinator did apply it: a later read with the coordinator among R finds it.
    got = c.kv(coordinator).Get(kv_pb2.GetRequest(key=key, r=1), timeout=RPC_TIMEOUT_S)
    assert list(got.values) == [b"v"]
    assert c.stats(coordinator)["kv.writes_possibly_applied"] >= 1


def test_a_member_restarted_on_a_wiped_data_directory_exits_with_a_message(fresh_cluster):
    """Its store is gone, so it comes back as a new node id beside members that serve a ring
    without it. It must not form a ring of its own (it did, at epoch 1, with itself at the old
    member's address, and took writes): it exits 1 saying what happened and what to do."""
    c = fresh_cluster
    victim = NODES - 1
    c.nodes[victim].popen.send_signal(signal.SIGKILL)
    c.nodes[victim].popen.wait(timeout=10)
    wiped = c.start_node(*c.start_args[victim])  # a new, empty data directory
    assert wiped.popen.wait(timeout=FORM_TIMEOUT_S) == 1
    log = wiped.stderr_tail()
    assert "is not a member" in log and "data directory" in log, log
    for i in range(NODES - 1):
        c.kv(i).Put(kv_pb2.PutRequest(key=b"after-wipe-%d" % i, value=b"v"), timeout=RPC_TIMEOUT_S)
