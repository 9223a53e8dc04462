"""Addresses a node records in the ring (--advertise, --peer-advertise), the refusal of a wildcard
listener without one, and --version.
"""

from __future__ import annotations

import subprocess

from gyre_testlib import RPC_TIMEOUT_S, cluster_pb2, cluster_pb2_grpc, open_channel


def test_advertised_addresses_are_what_the_ring_records(start_node):
    node = start_node("--advertise", "127.0.0.9:7100", "--peer-advertise", "127.0.0.9:7200")
    ring = cluster_pb2_grpc.ClusterStub(open_channel(node.address)).Ring(cluster_pb2.RingRequest(), timeout=RPC_TIMEOUT_S)
    assert [(m.client_address, m.peer_address) for m in ring.members] == [("127.0.0.9:7100", "127.0.0.9:7200")]


def test_without_advertise_the_listen_address_is_recorded(start_node):
    node = start_node()
    ring = cluster_pb2_grpc.ClusterStub(open_channel(node.address)).Ring(cluster_pb2.RingRequest(), timeout=RPC_TIMEOUT_S)
    assert ring.members[0].client_address == node.address


def test_a_wildcard_listener_without_advertise_is_refused_before_binding(node_binary):
    for args, option in ((["--listen", "0.0.0.0:0"], "--advertise"),
                         (["--listen", "127.0.0.1:0", "--peer-listen", "[::]:0", "--insecure-peers"], "--peer-advertise"),
                         (["--listen", "127.0.0.1:0", "--advertise", "0.0.0.0:7100"], "--advertise")):
        refused = subprocess.run([node_binary, *args, "--engine", "memory"], capture_output=True, timeout=30, text=True)
        assert refused.returncode != 0
        assert option in refused.stderr and "wildcard" in refused.stderr
        assert "serving on" not in refused.stdout


def test_version(node_binary):
    done = subprocess.run([node_binary, "--version"], capture_output=True, timeout=30, text=True)
    assert done.returncode == 0
    parts = done.stdout.strip().split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts)
