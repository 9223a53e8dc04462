"""`gyre-bench ycsb` against a real 5-node cluster: every core workload (A, B, C, D, F) briefly,
load and run phases; the JSON report parses and its KV call counts match what the nodes'
Cluster/Stats counters gained. Also the open-loop mode and each key distribution.

The binary is `gyre-bench` next to GYRE_NODE_BIN (both come from the same build).
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from test_cluster import NODES, Cluster

RUN_TIMEOUT_S = 120


def _bench_bin() -> str:
    path = os.path.join(os.path.dirname(os.environ["GYRE_NODE_BIN"]), "gyre-bench")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is not built (swift build builds it beside gyre-node)", pytrace=False)
    return path


@pytest.fixture(scope="module")
def cluster(start_node_module, certs):
    c = Cluster(start_node_module, certs)
    yield c
    c.close()


def kv_calls(cluster: Cluster) -> dict[str, int]:
    """Sum over the nodes of every rpc.KV.<Method>.<STATUS> counter, by method."""
    totals = {"Get": 0, "Put": 0, "Delete": 0}
    for i in range(NODES):
        for name, value in cluster.stats(i).items():
            parts = name.split(".")
            if len(parts) == 4 and parts[0] == "rpc" and parts[1] == "KV":
                totals[parts[2]] += value
    return totals


def ycsb(cluster: Cluster, tmp_path, *args: str) -> list[dict]:
    report = tmp_path / "report.jsonl"
    seeds = ",".join(node.address for node in cluster.nodes)
    done = subprocess.run([_bench_bin(), "ycsb", "--seeds", seeds, "--report", str(report), *args],
                          capture_output=True, timeout=RUN_TIMEOUT_S)
    assert done.returncode == 0, (done.stdout.decode(), done.stderr.decode())
    reports = [json.loads(line) for line in report.read_text().splitlines()]
    printed = [json.loads(line) for line in done.stdout.decode().splitlines() if line.startswith("{")]
    assert printed == reports
    assert any(line.startswith("[OVERALL]") for line in done.stdout.decode().splitlines())
    return reports


@pytest.mark.parametrize("workload", ["a", "b", "c", "d", "f"])
def test_each_workload_reports_what_the_nodes_counted(cluster, tmp_path, workload):
    before = kv_calls(cluster)
    load, run = ycsb(cluster, tmp_path, "--workload", workload, "--records", "200", "--operations", "400",
                     "--concurrency", "8", "--key-prefix", f"ycsb-{workload}")
    after = kv_calls(cluster)
    assert load["phase"] == "load" and run["phase"] == "run"
    assert load["operations_ok"] == 200 and load["operations_failed"] == 0
    assert set(load["operations"]) == {"INSERT"}
    assert run["operations_ok"] == 400 and run["operations_failed"] == 0
    ops = run["operations"]
    assert sum(op["count"] for op in ops.values()) == 400
    expected = {"a": {"READ", "UPDATE"}, "b": {"READ", "UPDATE"}, "c": {"READ"}, "d": {"READ", "INSERT"},
                "f": {"READ", "READ-MODIFY-WRITE"}}[workload]
    assert set(ops) <= expected and "READ" in ops
    for op in ops.values():
        assert op["p50_us"] <= op["p90_us"] <= op["p99_us"] <= op["p99.9_us"] <= op["max_us"]
    # The client routes every call to a replica of its key: each call is counted once, at the
    # node it was sent to.
    assert after["Get"] - before["Get"] == load["get_calls"] + run["get_calls"]
    assert after["Put"] - before["Put"] == load["put_calls"] + run["put_calls"]
    assert after["Delete"] == before["Delete"]
    if workload == "f":
        rmw = ops["READ-MODIFY-WRITE"]["count"]
        assert run["get_calls"] == ops["READ"]["count"] + rmw
        assert run["put_calls"] >= rmw


def test_open_loop_runs_at_the_target_rate_for_the_duration(cluster, tmp_path):
    (run,) = ycsb(cluster, tmp_path, "--workload", "b", "--phase", "run", "--records", "200", "--key-prefix", "ycsb-b",
                  "--target-rate", "400", "--duration", "1.5", "--concurrency", "16", "--distribution", "uniform")
    assert run["target_rate"] == 400.0 and run["distribution"] == "uniform"
    # 1.5 s at 400 ops/s: 600 operations were due (the last may not have been due before the end).
    assert 590 <= run["operations_ok"] <= 600


def test_latest_distribution_and_any_node_routing(cluster, tmp_path):
    before = kv_calls(cluster)
    forwarded = sum(cluster.stats(i).get("kv.forwarded", 0) for i in range(NODES))
    (run,) = ycsb(cluster, tmp_path, "--workload", "a", "--phase", "run", "--records", "200", "--key-prefix", "ycsb-a",
                  "--operations", "300", "--distribution", "latest", "--routing", "any-node")
    assert run["routing"] == "any-node" and run["operations_ok"] == 300
    after = kv_calls(cluster)
    assert after["Get"] + after["Put"] - before["Get"] - before["Put"] == 300
    # A random member holds no replica of the key two times in five: those writes are forwarded.
    assert sum(cluster.stats(i).get("kv.forwarded", 0) for i in range(NODES)) > forwarded
