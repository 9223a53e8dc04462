"""Fixtures for the black-box tests of a real gyre-node process on loopback.

Environment (Tests/python/run.sh and scripts/test.sh set both):
  GYRE_NODE_BIN   path of the gyre-node binary to test (e.g. .build/debug/gyre-node)
  GYRE_PY_STUBS   directory of the grpcio stubs made by scripts/gen-py-stubs.sh
"""

from __future__ import annotations

import os
import signal
import sys

import pytest

_stubs = os.environ.get("GYRE_PY_STUBS")
if not _stubs or not os.path.isdir(_stubs):
    raise pytest.UsageError(
        "GYRE_PY_STUBS must name the directory made by scripts/gen-py-stubs.sh "
        "(Tests/python/run.sh does this for you)"
    )
sys.path.insert(0, _stubs)

import gyre_testlib as lib  # noqa: E402  (needs the stubs on sys.path)


def pytest_configure(config):
    # A SIGTERM (e.g. from `timeout`) becomes a KeyboardInterrupt, so fixture teardown still
    # stops the nodes this session started.
    def _on_term(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, _on_term)


def _node_bin() -> str:
    path = os.environ.get("GYRE_NODE_BIN", "")
    if not path:
        pytest.fail("GYRE_NODE_BIN is not set: point it at a built gyre-node", pytrace=False)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"GYRE_NODE_BIN={path!r} is not an executable file", pytrace=False)
    return path


def _node_factory(tmp_path_factory):
    """start(*extra_args) -> lib.NodeProcess, and the list of what it started (stopped by PID)."""
    started: list[lib.NodeProcess] = []

    def start(*extra_args: str, open_files: int | None = None) -> lib.NodeProcess:
        log_dir = tmp_path_factory.mktemp("node")
        node = lib.NodeProcess.start(_node_bin(), list(extra_args), log_dir, open_files=open_files)
        started.append(node)
        return node

    return start, started


@pytest.fixture
def start_node(tmp_path_factory):
    """A factory: start_node(*extra_args) -> lib.NodeProcess, stopped at teardown."""
    start, started = _node_factory(tmp_path_factory)
    yield start
    for node in started:
        node.stop()


@pytest.fixture(scope="module")
def start_node_module(tmp_path_factory):
    """As start_node, but the nodes live for the whole test module."""
    start, started = _node_factory(tmp_path_factory)
    yield start
    for node in started:
        node.stop()


@pytest.fixture(scope="session")
def node_binary():
    """The gyre-node binary under test, for tests that run it themselves."""
    return _node_bin()


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    """A development CA and certificates for n0..n4 and `intruder` (signed by the same CA)."""
    return lib.Certs(tmp_path_factory.mktemp("certs"), ["n0", "n1", "n2", "n3", "n4", "intruder"])


@pytest.fixture(scope="session")
def node(tmp_path_factory):
    """One gyre-node for the whole session (with test hooks); yields its "127.0.0.1:PORT"."""
    proc = lib.NodeProcess.start(
        _node_bin(), ["--enable-test-hooks"], tmp_path_factory.mktemp("node")
    )
    try:
        yield proc.address
    finally:
        proc.stop()


@pytest.fixture(scope="session")
def channel(node):
    ch = lib.open_channel(node)
    yield ch
    ch.close()


@pytest.fixture(scope="session")
def kv(channel):
    return lib.kv_pb2_grpc.KVStub(channel)


@pytest.fixture(scope="session")
def cluster(channel):
    return lib.cluster_pb2_grpc.ClusterStub(channel)


@pytest.fixture(scope="session")
def health(channel):
    return lib.health_pb2_grpc.HealthStub(channel)
