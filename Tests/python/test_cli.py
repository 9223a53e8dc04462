"""The `gyre` command-line client against a real 5-node cluster (N=3): every command, human and
JSON output, values from an argument, a file and stdin, siblings with the context to write back,
and the documented exit codes (0 done, 2 bad input, 3 not found, 4 unavailable, 5 possibly
applied).

The binary is `gyre` next to GYRE_NODE_BIN (both come from the same build).
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

import gyre_testlib as lib
from test_cluster import NODES, Cluster

CLI_TIMEOUT_S = 30


def _cli_bin() -> str:
    path = os.path.join(os.path.dirname(os.environ["GYRE_NODE_BIN"]), "gyre")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is not built (swift build builds it beside gyre-node)", pytrace=False)
    return path


class CLI:
    def __init__(self, seeds: str):
        self.seeds = seeds

    def run(self, *args: str, stdin: bytes | None = None, seeds: str | None = None) -> subprocess.CompletedProcess:
        env = dict(os.environ, GYRE_SEEDS=seeds or self.seeds)
        return subprocess.run([_cli_bin(), *args], input=stdin, capture_output=True, timeout=CLI_TIMEOUT_S, env=env)

    def json(self, *args: str, expect: int = 0, stdin: bytes | None = None):
        done = self.run(*args, "--json", stdin=stdin)
        assert done.returncode == expect, (done.returncode, done.stdout, done.stderr)
        return json.loads(done.stdout)


@pytest.fixture(scope="module")
def cluster(start_node_module, certs):
    c = Cluster(start_node_module, certs)
    yield c
    c.close()


@pytest.fixture(scope="module")
def cli(cluster):
    # Seeded with one node only: the client learns the others from the ring.
    return CLI(cluster.nodes[0].address)


def test_put_then_get_in_text_and_json(cli):
    done = cli.run("put", "cli/plain", "hello world")
    assert done.returncode == 0, done.stderr
    assert b"written: 2 replicas acknowledged" in done.stdout or b"written: 3 replicas acknowledged" in done.stdout
    done = cli.run("get", "cli/plain")
    assert done.returncode == 0
    lines = done.stdout.decode().splitlines()
    assert lines[0] == "hello world"
    assert lines[1].startswith("context: ")
    got = cli.json("get", "cli/plain")
    assert got["found"] is True and got["siblings"] == 1
    assert got["values"][0]["text"] == "hello world"
    assert got["replicas"] >= 2 and got["context"]


def test_a_missing_key_exits_3(cli):
    done = cli.run("get", "cli/never-written")
    assert done.returncode == 3
    assert done.stdout.decode().startswith("not found: cli/never-written")
    got = cli.json("get", "cli/never-written", expect=3)
    assert got["found"] is False and got["values"] == []


def test_siblings_are_shown_with_the_context_that_resolves_them(cli):
    cli.json("put", "cli/sib", "left")
    cli.json("put", "cli/sib", "right")  # no context: a concurrent write
    done = cli.run("get", "cli/sib")
    text = done.stdout.decode()
    assert done.returncode == 0
    assert text.startswith("2 siblings (concurrent writes)")
    assert "] left" in text and "] right" in text
    got = cli.json("get", "cli/sib")
    assert got["siblings"] == 2
    assert sorted(v["text"] for v in got["values"]) == ["left", "right"]
    written = cli.json("put", "cli/sib", "merged", "--context", got["context"])
    assert written["siblings"] == 1
    assert [v["text"] for v in cli.json("get", "cli/sib")["values"]] == ["merged"]


def test_values_from_a_file_and_from_stdin_keep_every_byte(cli, tmp_path):
    binary = bytes(range(256))
    path = tmp_path / "value.bin"
    path.write_bytes(binary)
    cli.json("put", "cli/file", "--file", str(path))
    got = cli.json("get", "cli/file")
    assert got["values"][0]["text"] is None
    import base64
    assert base64.b64decode(got["values"][0]["base64"]) == binary
    assert cli.run("get", "cli/file").stdout.decode().startswith("base64:")
    cli.json("put", "cli/stdin", "--stdin", stdin=b"from stdin\n")
    assert cli.json("get", "cli/stdin")["values"][0]["text"] == "from stdin\n"


def test_delete_with_the_context_then_get_is_not_found(cli):
    written = cli.json("put", "cli/del", "doomed")
    deleted = cli.json("delete", "cli/del", "--context", written["context"])
    assert deleted["deleted"] is True and deleted["replicas"] >= 2
    assert cli.run("delete", "cli/del").returncode == 0
    assert cli.run("get", "cli/del").returncode == 3


def test_members_ring_and_stats(cli, cluster):
    members = cli.json("members")
    assert len(members) == NODES
    assert all(m["state"] == "alive" for m in members)
    assert sum(1 for m in members if m["self"]) == 1
    text = cli.run("members").stdout.decode()
    assert text.splitlines()[0].split()[:3] == ["ID", "NAME", "CLIENT"]
    assert text.count("alive") == NODES

    ring = cli.json("ring", "--key", "cli/plain")
    assert ring["partition_count"] == 64 and ring["replication"] == 3
    assert len(ring["members"]) == NODES and len(ring["owners"]) == 64
    assert sum(m["partitions"] for m in ring["members"]) == 64
    expected = [cluster.nodes[i].address for i in cluster.preference_list(b"cli/plain")]
    assert ring["preference_list"] == expected
    assert "64 partitions, N=3" in cli.run("ring").stdout.decode()

    before = cli.json("stats", "--node", expected[0])["counters"].get("rpc.KV.Get.OK", 0)
    cli.json("get", "cli/plain")  # routed to the key's first replica
    after = cli.json("stats", "--node", expected[0], "--prefix", "rpc.KV.")["counters"]
    assert after["rpc.KV.Get.OK"] == before + 1
    assert all(name.startswith("rpc.KV.") for name in after)
    assert "rpc.KV.Get.OK" in cli.run("stats", "--node", expected[0]).stdout.decode()


def test_bad_input_exits_2(cli):
    assert cli.run("get").returncode == 2  # missing argument
    assert cli.run("put", "k", "v", "--stdin").returncode == 2  # two values
    assert cli.run("put", "k", "v", "--context", "not base64!").returncode == 2
    done = cli.run("put", "cli/forged", "v", "--context", "AAAA", "--json")
    assert done.returncode == 2  # a context this cluster did not issue: INVALID_ARGUMENT
    assert json.loads(done.stderr)["error"] == "invalid_argument"
    assert cli.run("get", "x" * 2000).returncode == 2  # key over the limit
    assert cli.run("put", "k", "v", "--w", "9").returncode == 2  # W above N


def test_no_reachable_node_exits_4(cli):
    (port,) = lib.free_ports(1)
    done = cli.run("get", "k", "--json", seeds=f"127.0.0.1:{port}")
    assert done.returncode == 4
    assert json.loads(done.stderr)["error"] == "no_ring"


def test_a_strict_write_short_of_quorum_is_possibly_applied_exit_5(cli, cluster):
    # Runs last in this module: it stops a node.
    key = b"cli/strict"
    replicas = cluster.preference_list(key)
    cluster.nodes[replicas[2]].stop()
    # Every node as a seed, as an operator would list them: the stopped one may be node 0.
    cli = CLI(",".join(node.address for node in cluster.nodes))
    done = cli.run("put", key.decode(), "v", "--w", "3", "--strict", "--json")
    assert done.returncode == 5, (done.stdout, done.stderr)
    error = json.loads(done.stderr)
    # The coordinator answers as soon as W cannot be reached: the other replica's ack may or may
    # not have arrived by then.
    assert error["error"] == "possibly_applied" and error["acks"] in (1, 2)
    text = cli.run("put", key.decode(), "v", "--w", "3", "--strict")
    assert text.returncode == 5 and b"possibly applied (" in text.stderr
    # W=2 is still reachable.
    assert cli.run("put", key.decode(), "v2", "--w", "2").returncode == 0
