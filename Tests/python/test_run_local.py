"""scripts/run-local.sh as an operator uses it: a killed node is reported with how to restart it
while the others keep serving; `restart N` and `stop N` act on one node by its recorded PID;
Ctrl-C stops every node. Runs the debug gyre-node (GYRE_NODE_BIN) with GYRE_BUILD=0.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import time
from pathlib import Path

import grpc

from gyre_testlib import health_pb2, health_pb2_grpc

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "run-local.sh"


def _ports_free(ports: list[int]) -> bool:
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def _base_port() -> int:
    for _ in range(50):
        base = random.randrange(20000, 40000)
        if _ports_free([base + i for i in range(3)] + [base + 100 + i for i in range(3)]):
            return base
    raise AssertionError("no free ports for run-local")


def _wait(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def _serving(address: str) -> bool:
    with grpc.insecure_channel(address) as channel:
        try:
            return health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=2).status == \
                health_pb2.HealthCheckResponse.SERVING
        except grpc.RpcError:
            return False


def test_a_dead_node_is_reported_the_others_serve_and_it_restarts(node_binary, tmp_path):
    base = _base_port()
    data = tmp_path / "data"
    run = data / "run"
    env = dict(os.environ, GYRE_NODE_BIN=node_binary, GYRE_DATA=str(data), GYRE_PORT=str(base), GYRE_BUILD="0",
               GYRE_SYNC="none")
    out, err = open(tmp_path / "out", "w+"), open(tmp_path / "err", "w+")
    watcher = subprocess.Popen([str(SCRIPT)], stdout=out, stderr=err, env=env, start_new_session=True)
    pids: list[int] = []
    try:
        _wait(lambda: "Ctrl-C stops every node" in (tmp_path / "out").read_text(), 120, "the cluster to start")
        pids = [int((run / f"node-{i}.pid").read_text()) for i in range(3)]
        addresses = [f"127.0.0.1:{base + i}" for i in range(3)]
        assert all(_serving(a) for a in addresses)

        os.kill(pids[1], signal.SIGKILL)
        _wait(lambda: "restart it with: scripts/run-local.sh restart 1" in (tmp_path / "err").read_text(), 10,
              "the watcher to report the dead node")
        assert watcher.poll() is None
        assert _alive(pids[0]) and _alive(pids[2])
        assert _serving(addresses[0]) and _serving(addresses[2])

        restarted = subprocess.run([str(SCRIPT), "restart", "1"], env=env, capture_output=True, text=True, timeout=60)
        assert restarted.returncode == 0, restarted.stderr
        new_pid = int((run / "node-1.pid").read_text())
        pids.append(new_pid)
        assert new_pid != pids[1] and _alive(new_pid)
        _wait(lambda: _serving(addresses[1]), 30, "the restarted node to serve")

        stopped = subprocess.run([str(SCRIPT), "stop", "1"], env=env, capture_output=True, text=True, timeout=30)
        assert stopped.returncode == 0 and "stopped" in stopped.stderr
        _wait(lambda: not _alive(new_pid), 10, "node 1 to stop")
        assert _alive(pids[0]) and _alive(pids[2])
        assert subprocess.run([str(SCRIPT), "stop", "7"], env=env, capture_output=True, timeout=30).returncode == 2

        watcher.send_signal(signal.SIGINT)
        watcher.wait(timeout=30)
        assert not any(_alive(pid) for pid in pids)
    finally:
        if watcher.poll() is None:
            watcher.send_signal(signal.SIGINT)
            try:
                watcher.wait(timeout=20)
            except subprocess.TimeoutExpired:
                watcher.kill()
        for pid in pids:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        out.close()
        err.close()
