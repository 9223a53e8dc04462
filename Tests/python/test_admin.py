"""The admin listener (--admin-listen): /metrics in Prometheus text, its limits and errors, the
status document behind the admin page, the backup tool, the config file, and JSON logs."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

import gyre_testlib as lib
from gyre.v1 import cluster_pb2, cluster_pb2_grpc, kv_pb2, kv_pb2_grpc

RPC_TIMEOUT_S = 5.0
# The latency histograms' bucket bounds, in seconds (README, "Metrics").
LATENCY_BUCKETS = ["0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
                   "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf"]
DETECTOR_ARGS = ("--probe-interval-ms", "200", "--suspicion-timeout-ms", "800")


def fetch(admin: str, path: str, method: str = "GET", body: bytes | None = None) -> tuple[int, bytes, dict]:
    host, port = admin.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=RPC_TIMEOUT_S)
    try:
        connection.request(method, path, body=body)
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        connection.close()


def scrape(admin: str) -> dict[tuple[str, tuple], float]:
    """/metrics as {(sample name, sorted labels): value}, parsed by Prometheus' own parser."""
    status, body, headers = fetch(admin, "/metrics")
    assert status == 200
    assert headers["content-type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def requests_total(samples, method: str, code: str = "OK") -> float:
    return samples.get(("gyre_rpc_requests_total",
                        (("code", code), ("method", method), ("service", "KV"))), 0.0)


def test_metrics_parse_and_count_exactly_the_requests_made(start_node):
    node = start_node()
    assert node.admin and node.admin.startswith("127.0.0.1:"), "the admin listener is on loopback by default"
    channel = lib.open_channel(node.address)
    kv = kv_pb2_grpc.KVStub(channel)
    before = scrape(node.admin)
    for i in range(5):
        kv.Put(kv_pb2.PutRequest(key=f"m{i}".encode(), value=b"v"), timeout=RPC_TIMEOUT_S)
    for i in range(3):
        kv.Get(kv_pb2.GetRequest(key=f"m{i}".encode()), timeout=RPC_TIMEOUT_S)
    with pytest.raises(Exception):
        kv.Put(kv_pb2.PutRequest(key=b"", value=b"v"), timeout=RPC_TIMEOUT_S)
    after = scrape(node.admin)
    assert requests_total(after, "Put") - requests_total(before, "Put") == 5
    assert requests_total(after, "Get") - requests_total(before, "Get") == 3
    assert requests_total(after, "Put", "INVALID_ARGUMENT") - requests_total(before, "Put", "INVALID_ARGUMENT") == 1

    # The Put histogram saw exactly the six Puts, in the listed buckets.
    put_labels = (("method", "Put"), ("service", "KV"))
    count = after[("gyre_rpc_duration_seconds_count", put_labels)] - before.get(("gyre_rpc_duration_seconds_count", put_labels), 0)
    assert count == 6
    buckets = sorted((dict(labels)["le"] for (name, labels) in after
                      if name == "gyre_rpc_duration_seconds_bucket" and dict(labels).get("method") == "Put"
                      and dict(labels).get("service") == "KV"), key=lambda le: float(le))
    assert buckets == LATENCY_BUCKETS
    assert after[("gyre_rpc_duration_seconds_bucket", (("le", "+Inf"),) + put_labels)] == after[
        ("gyre_rpc_duration_seconds_count", put_labels)]

    # Storage, ring and members are there; Stats reads the same numbers.
    assert after[("gyre_ring_epoch", ())] >= 1
    assert after[("gyre_members", (("state", "alive"),))] == 1
    assert ("gyre_storage_write_fault", ()) in after
    assert ("gyre_storage_rocksdb_write_stopped", ()) in after
    stats = lib.stats(cluster_pb2_grpc.ClusterStub(channel))
    assert stats["rpc.KV.Put.OK"] == requests_total(after, "Put")
    assert stats["storage.writes"] == after[("gyre_storage_writes_total", ())]
    channel.close()


def test_two_nodes_keep_their_metrics_apart(start_node):
    first, second = start_node(), start_node()
    kv = kv_pb2_grpc.KVStub(lib.open_channel(first.address))
    for i in range(4):
        kv.Put(kv_pb2.PutRequest(key=f"a{i}".encode(), value=b"v"), timeout=RPC_TIMEOUT_S)
    assert requests_total(scrape(first.admin), "Put") == 4
    assert requests_total(scrape(second.admin), "Put") == 0


def test_admin_listener_answers_errors_plainly_and_survives_hostile_heads(start_node):
    node = start_node()
    assert fetch(node.admin, "/no-such-page")[0] == 404
    assert fetch(node.admin, "/metrics", method="DELETE")[0] == 405
    assert fetch(node.admin, "/admin/backup", method="POST", body=b"x" * 5000)[0] == 413
    assert fetch(node.admin, "/admin/backup", method="POST")[0] == 400  # no ?to=
    # A megabyte of headers is refused with 400 and the connection closed; nothing is kept.
    host, port = node.admin.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=RPC_TIMEOUT_S) as s:
        try:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
        except OSError:
            pass  # the node may close before the whole megabyte is sent
        answer = s.recv(4096)
        assert answer == b"" or answer.startswith(b"HTTP/1.1 400")
    assert fetch(node.admin, "/metrics")[0] == 200


def test_admin_listener_caps_connections_per_source(start_node):
    node = start_node()
    host, port = node.admin.rsplit(":", 1)
    held = []
    try:
        # 17 connections from one address: 16 are served, one is closed without an answer (which
        # one depends on which event loop admits first).
        for _ in range(17):
            held.append(socket.create_connection((host, int(port)), timeout=RPC_TIMEOUT_S))
        answered = closed = 0
        for s in held:
            try:
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                head = s.recv(64)
            except (ConnectionResetError, BrokenPipeError):
                head = b""
            if head.startswith(b"HTTP/1.1 200"):
                answered += 1
            else:
                assert head == b""
                closed += 1
        assert (answered, closed) == (16, 1)
    finally:
        for s in held:
            s.close()
    lib.wait_for("a slot to free up", lambda: fetch(node.admin, "/metrics")[0] == 200, timeout=10)


def test_status_document_shows_the_node_and_its_ring(start_node):
    node = start_node()
    status, body, headers = fetch(node.admin, "/admin/status")
    assert status == 200 and headers["content-type"] == "application/json"
    document = json.loads(body)
    assert document["serving"] is True
    assert len(document["members"]) == 1 and document["members"][0]["state"] == "alive"
    assert document["members"][0]["partitions"] == document["partition_count"] == len(document["owners"])
    assert "rpc.in_flight" in document["members"][0]["stats"]
    page_status, page, page_headers = fetch(node.admin, "/")
    assert page_status == 200 and page_headers["content-type"].startswith("text/html")
    assert b"<script" in page and b"http://" not in page and b"https://" not in page  # no external assets


def test_backup_tool(start_node, node_binary, tmp_path):
    node = start_node()
    kv = kv_pb2_grpc.KVStub(lib.open_channel(node.address))
    kv.Put(kv_pb2.PutRequest(key=b"backed", value=b"up"), timeout=RPC_TIMEOUT_S)
    target = tmp_path / "backup-1"
    done = subprocess.run([node_binary, "backup", "--admin", node.admin, "--to", str(target)],
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["path"] == str(target)
    assert (target / "CURRENT").is_file()
    again = subprocess.run([node_binary, "backup", "--admin", node.admin, "--to", str(target)],
                           capture_output=True, timeout=60)
    assert again.returncode == 1 and b"already exists" in again.stderr
    (port,) = lib.free_ports(1)
    unreachable = subprocess.run([node_binary, "backup", "--admin", f"127.0.0.1:{port}", "--to", str(tmp_path / "b2")],
                                 capture_output=True, timeout=60)
    assert unreachable.returncode == 3 and b"cannot connect" in unreachable.stderr

    memory = start_node("--engine", "memory")
    refused = subprocess.run([node_binary, "backup", "--admin", memory.admin, "--to", str(tmp_path / "b3")],
                             capture_output=True, timeout=60)
    assert refused.returncode == 1 and b"cannot take backups" in refused.stderr


def test_config_file_sets_options_and_the_command_line_overrides_it(start_node, node_binary, tmp_path):
    config = tmp_path / "gyre.toml"
    config.write_text('engine = "memory"\nmax-key-bytes = 8\nadmin-listen = "off"\nlog-format = "json"\n')
    node = start_node("--config", str(config), "--max-key-bytes", "16")
    assert node.admin is None
    kv = kv_pb2_grpc.KVStub(lib.open_channel(node.address))
    kv.Put(kv_pb2.PutRequest(key=b"k" * 16, value=b"v"), timeout=RPC_TIMEOUT_S)  # 16 from the command line
    with pytest.raises(Exception) as refused:
        kv.Put(kv_pb2.PutRequest(key=b"k" * 17, value=b"v"), timeout=RPC_TIMEOUT_S)
    assert "limit is 16 bytes" in str(refused.value)
    for line in node.log_path.read_text().splitlines():
        json.loads(line)  # log-format from the file

    bad = tmp_path / "bad.toml"
    bad.write_text("no-such-option = 1\n")
    done = subprocess.run([node_binary, "--config", str(bad)], capture_output=True, timeout=30)
    assert done.returncode != 0 and str(bad).encode() in done.stderr and b"no-such-option" in done.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text("listen = \n")
    done = subprocess.run([node_binary, "--config", str(broken)], capture_output=True, timeout=30)
    assert done.returncode != 0 and str(broken).encode() in done.stderr


def _dead_lines(node: lib.NodeProcess, member_id: str) -> list[dict]:
    lines = [json.loads(line) for line in node.log_path.read_text().splitlines() if line.strip()]
    return [line for line in lines if line.get("message") == "member state changed"
            and line.get("member.state") == "dead" and line.get("member.id") == member_id]


def test_json_logs_parse_and_a_killed_peer_gives_one_dead_line_per_observer(start_node):
    peer_ports = lib.free_ports(3)
    peers = ",".join(f"127.0.0.1:{p}" for p in peer_ports)
    nodes = [start_node("--peer-listen", f"127.0.0.1:{p}", "--peers", peers, "--partitions", "64",
                        "--log-format", "json", "--log-level", "debug", *DETECTOR_ARGS) for p in peer_ports]
    channels = [lib.open_channel(n.address) for n in nodes]
    # Every member must have formed before the kill (a member still forming would wait for it).
    rings = [lib.wait_for("the cluster to form", lambda c=c: _ring(c), timeout=30) for c in channels]
    ring = rings[0]
    victim_id = next(str(uuid.UUID(bytes=m.node_id)) for m in ring.members
                     if m.peer_address == f"127.0.0.1:{peer_ports[2]}")
    os.kill(nodes[2].pid, signal.SIGKILL)
    nodes[2].popen.wait(timeout=10)
    lib.wait_for("both observers to log the victim dead",
                 lambda: all(_dead_lines(n, victim_id) for n in nodes[:2]), timeout=30, interval=0.1)
    # Past the detection, more probes and gossip: still one line per observer.
    time.sleep(2.0)
    for observer in nodes[:2]:
        assert len(_dead_lines(observer, victim_id)) == 1, observer.stderr_tail()
        text = observer.log_path.read_text()
        assert "[IPv4]" not in text  # addresses print as host:port
        for line in text.splitlines():
            json.loads(line)
    for channel in channels:
        channel.close()


def _ring(channel):
    try:
        return cluster_pb2_grpc.ClusterStub(channel).Ring(cluster_pb2.RingRequest(), timeout=RPC_TIMEOUT_S)
    except Exception:
        return None


def test_grafana_dashboard_uses_only_metrics_the_node_exports(start_node):
    """Every metric name in deploy/grafana/gyre-dashboard.json is one a node's /metrics shows."""
    import re
    from pathlib import Path

    dashboard = json.loads((Path(__file__).resolve().parents[2] / "deploy/grafana/gyre-dashboard.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = {name for expr in expressions for name in re.findall(r"\bgyre_[a-z_]+", expr)}
    node = start_node()
    kv_pb2_grpc.KVStub(lib.open_channel(node.address)).Put(kv_pb2.PutRequest(key=b"g", value=b"v"), timeout=RPC_TIMEOUT_S)
    exported = {name for (name, _labels) in scrape(node.admin)}
    assert used and used <= exported, sorted(used - exported)
