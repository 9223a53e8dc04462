"""Who may talk to a node: mutual TLS between nodes (CA-signed certificates naming a member that
matches the node id a call claims), TLS with grpcio on the client port, certificate reload on
SIGHUP, and the loopback-only rule for an unauthenticated peer port."""

from __future__ import annotations

import shutil
import signal
import subprocess
import uuid
from pathlib import Path

import grpc
import pytest

from gyre_testlib import (
    RPC_TIMEOUT_S,
    Certs,
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
    wait_for,
)


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TLSPair:
    """Two nodes, n0 and n1, over mutual TLS; the ring and ids read from n0's client port."""

    def __init__(self, start_node, certs: Certs):
        ports = [_free_port(), _free_port()]
        peers = ",".join(f"127.0.0.1:{p}" for p in ports)
        self.peer_addresses = [f"127.0.0.1:{p}" for p in ports]
        self.nodes = [start_node("--peer-listen", f"127.0.0.1:{p}", "--peers", peers, "--partitions", "64",
                                 *certs.node_args(f"n{i}")) for i, p in enumerate(ports)]
        self.channel = open_channel(self.nodes[0].address)
        health = health_pb2_grpc.HealthStub(self.channel)
        wait_for("the cluster to form", lambda: health.Check(health_pb2.HealthCheckRequest(), timeout=RPC_TIMEOUT_S).status
                 == health_pb2.HealthCheckResponse.SERVING, timeout=30)
        self.ring = cluster_pb2_grpc.ClusterStub(self.channel).Ring(cluster_pb2.RingRequest(), timeout=RPC_TIMEOUT_S)
        self.cluster_id = str(uuid.UUID(bytes=self.ring.cluster_id))
        self.ids = {m.name: str(uuid.UUID(bytes=m.node_id)) for m in self.ring.members}

    def replica(self, credentials) -> replica_pb2_grpc.ReplicaStub:
        return replica_pb2_grpc.ReplicaStub(open_tls_channel(self.peer_addresses[0], credentials, ready=False))

    def metadata(self, claimed: str):
        """A Replica call to n0 (the peer port `replica` reaches), claiming to come from `claimed`."""
        return replica_metadata(self.cluster_id, claimed, self.ids["n0"], self.ring.epoch)

    def partition(self, key: bytes) -> int:
        return partition_of(key, self.ring.partition_count)


@pytest.fixture(scope="module")
def pair(start_node_module, certs):
    return TLSPair(start_node_module, certs)


def test_members_are_named_in_the_ring(pair):
    assert sorted(pair.ids) == ["n0", "n1"]
    kv = kv_pb2_grpc.KVStub(pair.channel)
    kv.Put(kv_pb2.PutRequest(key=b"tls-k", value=b"v"), timeout=RPC_TIMEOUT_S)
    assert list(kv.Get(kv_pb2.GetRequest(key=b"tls-k"), timeout=RPC_TIMEOUT_S).values) == [b"v"]


def test_a_member_calling_as_itself_is_served(pair, certs):
    stub = pair.replica(certs.credentials("n1"))
    answer = stub.Get(replica_pb2.ReplicaGetRequest(key=b"tls-k", partition=pair.partition(b"tls-k")), timeout=RPC_TIMEOUT_S,
                      metadata=pair.metadata(pair.ids["n1"]))
    assert answer is not None


def test_a_peer_without_a_ca_signed_certificate_is_refused(pair, certs, tmp_path):
    other = Certs(tmp_path / "other-ca", ["n1"])  # same name, another CA; the client trusts ours
    for credentials in (other.credentials("n1", ca=certs.ca), None):
        if credentials is None:
            channel = grpc.insecure_channel(pair.peer_addresses[0])
        else:
            channel = grpc.secure_channel(pair.peer_addresses[0], credentials)
        stub = replica_pb2_grpc.ReplicaStub(channel)
        with pytest.raises(grpc.RpcError) as info:
            stub.Identify(replica_pb2.IdentifyRequest(), timeout=3)
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
        channel.close()


def test_a_certificate_without_client_identity_is_refused(pair, certs):
    stub = pair.replica(certs.credentials(None))
    with pytest.raises(grpc.RpcError) as info:
        stub.Identify(replica_pb2.IdentifyRequest(), timeout=3)
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE


def test_a_valid_certificate_that_names_no_member_is_refused(pair, certs):
    stub = pair.replica(certs.credentials("intruder"))
    for claimed in (pair.ids["n1"], str(uuid.uuid4())):
        with pytest.raises(grpc.RpcError) as info:
            stub.Put(replica_pb2.ReplicaPutRequest(key=b"forged", version_set=b"\x21\x00"), timeout=RPC_TIMEOUT_S,
                     metadata=pair.metadata(claimed))
        assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert not list(kv_pb2_grpc.KVStub(pair.channel).Get(kv_pb2.GetRequest(key=b"forged"), timeout=RPC_TIMEOUT_S).values)


def test_a_member_claiming_another_node_id_is_refused(pair, certs):
    """n1's genuine certificate, but the call says it comes from n0: a forged replica write over an
    authenticated channel. Also a wiped n1 (new node id, old certificate) is in this position."""
    stub = pair.replica(certs.credentials("n1"))
    for claimed in (pair.ids["n0"], str(uuid.uuid4())):
        with pytest.raises(grpc.RpcError) as info:
            stub.Put(replica_pb2.ReplicaPutRequest(key=b"forged2", version_set=b"\x21\x00"), timeout=RPC_TIMEOUT_S,
                     metadata=pair.metadata(claimed))
        assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert not list(kv_pb2_grpc.KVStub(pair.channel).Get(kv_pb2.GetRequest(key=b"forged2"), timeout=RPC_TIMEOUT_S).values)


def _client_tls_node(start_node, certs, *extra):
    return start_node(*certs.node_args("n0"), "--client-tls", "on", *extra)


def test_grpcio_over_tls_on_the_client_port(start_node, certs):
    node = _client_tls_node(start_node, certs)
    channel = open_tls_channel(node.address, certs.credentials(None))
    kv = kv_pb2_grpc.KVStub(channel)
    kv.Put(kv_pb2.PutRequest(key=b"over-tls", value=b"secret"), timeout=RPC_TIMEOUT_S)
    got = kv.Get(kv_pb2.GetRequest(key=b"over-tls"), timeout=RPC_TIMEOUT_S)
    assert list(got.values) == [b"secret"]
    status = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=RPC_TIMEOUT_S)
    assert status.status == health_pb2.HealthCheckResponse.SERVING
    plain = grpc.insecure_channel(node.address)
    with pytest.raises(grpc.RpcError) as info:
        kv_pb2_grpc.KVStub(plain).Get(kv_pb2.GetRequest(key=b"over-tls"), timeout=3)
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE


@pytest.fixture(scope="module")
def client_certs(tmp_path_factory):
    """Client certificates under a CA of their own (not the peers')."""
    return Certs(tmp_path_factory.mktemp("client-certs"), ["app"])


def test_client_certificates_required(start_node, certs, client_certs):
    node = _client_tls_node(start_node, certs, "--client-auth", "required", "--client-ca", client_certs.ca)
    anonymous = grpc.secure_channel(node.address, certs.credentials(None))
    with pytest.raises(grpc.RpcError) as info:
        kv_pb2_grpc.KVStub(anonymous).Get(kv_pb2.GetRequest(key=b"k"), timeout=3)
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    # A member's certificate is signed by the peers' CA, not the clients': refused here.
    member = grpc.secure_channel(node.address, certs.credentials("n1"))
    with pytest.raises(grpc.RpcError) as info:
        kv_pb2_grpc.KVStub(member).Get(kv_pb2.GetRequest(key=b"k"), timeout=3)
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE
    app = open_tls_channel(node.address, client_certs.credentials("app", ca=certs.ca))
    assert not list(kv_pb2_grpc.KVStub(app).Get(kv_pb2.GetRequest(key=b"k"), timeout=RPC_TIMEOUT_S).values)


def test_client_auth_without_a_client_ca_is_refused_at_start(node_binary, certs):
    refused = subprocess.run([node_binary, "--listen", "127.0.0.1:0", "--engine", "memory", *certs.node_args("n0"),
                              "--client-tls", "on", "--client-auth", "required"], capture_output=True, timeout=30, text=True)
    assert refused.returncode != 0
    assert "--client-ca" in refused.stderr


def test_sighup_reloads_certificates_for_new_connections(start_node, certs, tmp_path):
    live = tmp_path / "live"
    live.mkdir()
    second = Certs(tmp_path / "second-ca", ["n0"])
    for name, source in (("n0.pem", certs.cert("n0")), ("n0.key", certs.key("n0")), ("ca.pem", certs.ca)):
        shutil.copy(source, live / name)
    node = start_node("--node-name", "n0", "--tls-cert", str(live / "n0.pem"), "--tls-key", str(live / "n0.key"),
                      "--tls-ca", str(live / "ca.pem"), "--client-tls", "on")
    old = open_tls_channel(node.address, certs.credentials(None))
    old_kv = kv_pb2_grpc.KVStub(old)
    old_kv.Put(kv_pb2.PutRequest(key=b"before", value=b"1"), timeout=RPC_TIMEOUT_S)
    with pytest.raises(grpc.RpcError):
        kv_pb2_grpc.KVStub(grpc.secure_channel(node.address, second.credentials(None))).Get(
            kv_pb2.GetRequest(key=b"before"), timeout=3)

    for name, source in (("n0.pem", second.cert("n0")), ("n0.key", second.key("n0")), ("ca.pem", second.ca)):
        shutil.copy(source, live / name)
    node.popen.send_signal(signal.SIGHUP)
    wait_for("the reload to be logged", lambda: "certificates reloaded" in Path(node.log_path).read_text(), timeout=10)

    fresh = open_tls_channel(node.address, second.credentials(None))
    assert list(kv_pb2_grpc.KVStub(fresh).Get(kv_pb2.GetRequest(key=b"before"), timeout=RPC_TIMEOUT_S).values) == [b"1"]
    with pytest.raises(grpc.RpcError):
        kv_pb2_grpc.KVStub(grpc.secure_channel(node.address, certs.credentials(None))).Get(
            kv_pb2.GetRequest(key=b"before"), timeout=3)
    # The connection opened before the reload keeps working.
    assert list(old_kv.Get(kv_pb2.GetRequest(key=b"before"), timeout=RPC_TIMEOUT_S).values) == [b"1"]


def test_a_failed_reload_keeps_the_old_certificates(start_node, certs, tmp_path):
    live = tmp_path / "live"
    live.mkdir()
    for name, source in (("n0.pem", certs.cert("n0")), ("n0.key", certs.key("n0")), ("ca.pem", certs.ca)):
        shutil.copy(source, live / name)
    node = start_node("--node-name", "n0", "--tls-cert", str(live / "n0.pem"), "--tls-key", str(live / "n0.key"),
                      "--tls-ca", str(live / "ca.pem"), "--client-tls", "on")
    (live / "n0.pem").write_text("not a certificate")
    node.popen.send_signal(signal.SIGHUP)
    wait_for("the failure to be logged", lambda: "certificate reload failed" in Path(node.log_path).read_text(), timeout=10)
    fresh = open_tls_channel(node.address, certs.credentials(None))
    assert not list(kv_pb2_grpc.KVStub(fresh).Get(kv_pb2.GetRequest(key=b"x"), timeout=RPC_TIMEOUT_S).values)


def _peer_certificate_names(address: str, certs: Certs) -> list[str]:
    """The DNS names of the certificate a peer listener presents (we connect as member n1)."""
    import socket
    import ssl
    context = ssl.create_default_context(cafile=certs.ca)
    context.check_hostname = False
    context.load_cert_chain(certs.cert("n1"), certs.key("n1"))
    context.set_alpn_protocols(["h2"])
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=RPC_TIMEOUT_S) as raw:
        with context.wrap_socket(raw) as tls:
            return [value for kind, value in tls.getpeercert().get("subjectAltName", ()) if kind == "DNS"]


def test_a_reload_that_fails_its_check_changes_no_listener(start_node, certs, tmp_path):
    """The new certificate is valid but names another node: the reload fails, and the peer
    listener (checked first) goes on presenting the old one."""
    live = tmp_path / "live"
    live.mkdir()
    for name, source in (("n0.pem", certs.cert("n0")), ("n0.key", certs.key("n0"))):
        shutil.copy(source, live / name)
    peer = f"127.0.0.1:{_free_port()}"
    node = start_node("--node-name", "n0", "--tls-cert", str(live / "n0.pem"), "--tls-key", str(live / "n0.key"),
                      "--tls-ca", certs.ca, "--peer-listen", peer)
    assert "n0" in _peer_certificate_names(peer, certs)
    shutil.copy(certs.cert("n2"), live / "n0.pem")
    shutil.copy(certs.key("n2"), live / "n0.key")
    node.popen.send_signal(signal.SIGHUP)
    wait_for("the failure to be logged", lambda: "certificate reload failed" in Path(node.log_path).read_text(), timeout=10)
    assert "does not name this node" in Path(node.log_path).read_text()
    names = _peer_certificate_names(peer, certs)
    assert "n0" in names and "n2" not in names


def test_an_unauthenticated_peer_port_binds_only_to_loopback(node_binary, tmp_path):
    port = _free_port()
    # Advertised, so the wildcard is not what is refused: the unauthenticated peer port is.
    refused = subprocess.run([node_binary, "--listen", "127.0.0.1:0", "--peer-listen", f"0.0.0.0:{port}",
                              "--peer-advertise", f"127.0.0.1:{port}", "--engine", "memory"],
                             capture_output=True, timeout=30, text=True)
    assert refused.returncode != 0
    assert "--insecure-peers" in refused.stderr


def test_a_certificate_that_does_not_name_the_node_is_refused_at_start(node_binary, certs):
    refused = subprocess.run([node_binary, "--listen", "127.0.0.1:0", "--engine", "memory",
                              "--node-name", "n1", "--tls-cert", certs.cert("n0"), "--tls-key", certs.key("n0"),
                              "--tls-ca", certs.ca], capture_output=True, timeout=30, text=True)
    assert refused.returncode == 2
    assert "does not name this node" in refused.stderr


def test_peer_port_attacks_from_outside_the_cluster_are_refused(pair, certs):
    """What anyone who reached the peer port could do: store forged version sets (a counter of
    2^62 locked a key for good), send a Batch of 1,000 forged puts, read the cluster secret from
    Identify. Without a member's certificate every such call is refused before anything is
    decoded, Health answers throughout, the key stays writable, and n0's memory stays within
    100 MB of where it started."""
    import hostile

    forged = b"\x21" + bytes(40)
    cluster_id = pair.cluster_id
    base = hostile.rss_mb(pair.nodes[0].pid)
    health = health_pb2_grpc.HealthStub(pair.channel)
    intruder = pair.replica(certs.credentials("intruder"))
    with pytest.raises(grpc.RpcError) as info:
        intruder.Identify(replica_pb2.IdentifyRequest(), timeout=RPC_TIMEOUT_S)
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    for stub in (intruder, pair.replica(certs.credentials(None))) * 5:
        assert health.Check(health_pb2.HealthCheckRequest(), timeout=RPC_TIMEOUT_S).status == \
            health_pb2.HealthCheckResponse.SERVING
        for call in (
            lambda: stub.Put(replica_pb2.ReplicaPutRequest(key=b"locked?", version_set=forged), timeout=RPC_TIMEOUT_S,
                             metadata=pair.metadata(pair.ids["n0"])),
            lambda: stub.Batch(replica_pb2.ReplicaBatchRequest(
                puts=[replica_pb2.ReplicaPutRequest(key=b"b%d" % i, version_set=forged) for i in range(1000)]),
                timeout=RPC_TIMEOUT_S, metadata=pair.metadata(pair.ids["n0"])),
        ):
            with pytest.raises(grpc.RpcError) as info:
                call()
            assert info.value.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAVAILABLE)
    assert cluster_id
    kv = kv_pb2_grpc.KVStub(pair.channel)
    kv.Put(kv_pb2.PutRequest(key=b"locked?", value=b"still writable"), timeout=RPC_TIMEOUT_S)
    assert list(kv.Get(kv_pb2.GetRequest(key=b"locked?"), timeout=RPC_TIMEOUT_S).values) == [b"still writable"]
    peak = hostile.peak_rss_mb(pair.nodes[0].pid)
    assert peak - base < 100, f"peak RSS {peak:.0f} MB, {peak - base:.0f} MB above {base:.0f} MB"


def test_an_oversized_batch_from_a_member_is_refused_whole(pair, certs):
    stub = pair.replica(certs.credentials("n1"))
    batch = replica_pb2.ReplicaBatchRequest(
        gets=[replica_pb2.ReplicaGetRequest(key=b"g%d" % i) for i in range(1000)])
    with pytest.raises(grpc.RpcError) as info:
        stub.Batch(batch, timeout=RPC_TIMEOUT_S, metadata=pair.metadata(pair.ids["n1"]))
    assert info.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_the_gyre_cli_speaks_tls_with_a_client_certificate(start_node, certs, client_certs):
    import json
    import os
    import subprocess
    cli = os.path.join(os.path.dirname(os.environ["GYRE_NODE_BIN"]), "gyre")
    node = _client_tls_node(start_node, certs, "--client-auth", "required", "--client-ca", client_certs.ca)
    tls = ["--tls-ca", certs.ca, "--tls-cert", client_certs.cert("app"), "--tls-key", client_certs.key("app")]

    def run(*args):
        return subprocess.run([cli, *args, "--seeds", node.address, "--json"], capture_output=True, timeout=30)

    done = run("put", "tls/key", "over tls", *tls)
    assert done.returncode == 0, done.stderr
    got = run("get", "tls/key", *tls)
    assert got.returncode == 0 and json.loads(got.stdout)["values"][0]["text"] == "over tls"
    # Without a client certificate the node refuses the handshake: no node reached, exit 4.
    refused = run("get", "tls/key", "--tls-ca", certs.ca)
    assert refused.returncode == 4, refused.stderr
    # Without TLS at all: the same.
    assert run("get", "tls/key").returncode == 4
