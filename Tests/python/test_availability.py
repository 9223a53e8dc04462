"""Always writeable: failure detection (SWIM), sloppy quorum with hinted acknowledgements, and
hinted handoff, on five real gyre-node processes (N = 3, W = 2) over mutual TLS.

Every test bounds its waits; nodes are stopped by PID at teardown (a killed node's restart is
started through the same fixture).
"""

from __future__ import annotations

import signal
import time
import uuid
from pathlib import Path

import grpc
import pytest

from gyre_testlib import RPC_TIMEOUT_S, cluster_pb2, cluster_pb2_grpc, kv_pb2, open_channel
from test_cluster import NODES, Cluster, _eventually

# Fast failure detection for tests: a probe every 200 ms, dead at the latest 6 x 800 ms after
# suspicion (sooner when other members confirm it).
DETECTOR_ARGS = ("--probe-interval-ms", "200", "--suspicion-timeout-ms", "800")
DETECT_TIMEOUT_S = 20.0
HANDOFF_TIMEOUT_S = 30.0


@pytest.fixture
def detecting_cluster(start_node, certs):
    c = Cluster(start_node, certs, extra_args=DETECTOR_ARGS)
    yield c
    c.close()


def members(c: Cluster, i: int) -> dict[str, tuple[str, int]]:
    """Node i's view: node id -> (state, incarnation)."""
    response = cluster_pb2_grpc.ClusterStub(c.channels[i]).Members(cluster_pb2.MembersRequest(), timeout=RPC_TIMEOUT_S)
    return {str(uuid.UUID(bytes=m.member.node_id)): (m.state, m.incarnation) for m in response.members}


def state_of(c: Cluster, viewer: int, target: int) -> str:
    return members(c, viewer)[c.node_ids[target]][0]


def restart(c: Cluster, i: int) -> None:
    """Starts node i again on its data directory (same peer port and member id)."""
    data_dir = Path(c.nodes[i].log_path).parent / "data"
    c.nodes[i] = c.start_node(*c.start_args[i], "--data-dir", str(data_dir))
    c.channels[i].close()
    c.channels[i] = open_channel(c.nodes[i].address)


def keys_owned_by(c: Cluster, owners: set[int], count: int) -> list[bytes]:
    """`count` keys whose preference lists include every node of `owners`."""
    found = []
    n = 0
    while len(found) < count:
        key = f"owned-{n}".encode()
        if owners <= set(c.preference_list(key)):
            found.append(key)
        n += 1
    return found


def test_writes_succeed_with_two_owners_killed_and_are_handed_off_when_they_return(detecting_cluster):
    c = detecting_cluster
    down = (1, 3)
    keys = keys_owned_by(c, set(down), 20)
    for i in down:
        c.nodes[i].popen.send_signal(signal.SIGKILL)
        c.nodes[i].popen.wait(timeout=10)
    # Every other member sees both dead (bounded), so coordinators go to fallbacks at once.
    others = [i for i in range(NODES) if i not in down]
    for viewer in others:
        for target in down:
            _eventually(lambda: state_of(c, viewer, target) == "dead", DETECT_TIMEOUT_S,
                        f"n{viewer} to see n{target} dead")

    # Each key's third owner coordinates (any node would do: a write is forwarded to it).
    values = {}
    for key in keys:
        live = next(i for i in c.preference_list(key) if i not in down)
        value = b"handed-off-" + key
        put = c.kv(live).Put(kv_pb2.PutRequest(key=key, value=value, w=2), timeout=RPC_TIMEOUT_S)
        assert put.replicas >= 2 and put.hinted >= 1, put
        values[key] = value
        got = c.kv(others[0]).Get(kv_pb2.GetRequest(key=key), timeout=RPC_TIMEOUT_S)
        assert list(got.values) == [value]

    # A strict quorum counts the key's own replicas only: UNAVAILABLE, and it says what happened.
    key = keys[0]
    live = next(i for i in c.preference_list(key) if i not in down)
    with pytest.raises(grpc.RpcError) as err:
        c.kv(live).Put(kv_pb2.PutRequest(key=key, value=b"strict", w=2, strict_quorum=True), timeout=RPC_TIMEOUT_S)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    trailers = dict(err.value.trailing_metadata())
    assert trailers["gyre-outcome"] == "possibly-applied" and trailers["gyre-acks"] == "1"
    assert sum(c.stats(i).get("hints.stored", 0) for i in others) >= len(keys)

    # Handoff is resumable: a fallback that holds hints is killed and restarted before the owners
    # come back; its hints are in its store and go out after its restart.
    holder = max(others, key=lambda i: c.stats(i).get("hints.backlog_records", 0))
    held = c.stats(holder).get("hints.backlog_records", 0)
    assert held > 0
    c.nodes[holder].popen.send_signal(signal.SIGKILL)
    c.nodes[holder].popen.wait(timeout=10)
    restart(c, holder)
    _eventually(lambda: c.stats(holder).get("hints.backlog_records", 0) == held, DETECT_TIMEOUT_S,
                f"n{holder} to count its {held} stored hints again after its restart")

    for i in down:
        restart(c, i)

    def owners_hold_everything() -> bool:
        for i in down:
            for key, value in values.items():
                answer = c.replica_get(i, key)
                if not answer.found or value not in answer.version_set:
                    return False
        return all(c.stats(i).get("hints.backlog_bytes", 0) == 0 for i in range(NODES))

    _eventually(owners_hold_everything, HANDOFF_TIMEOUT_S,
                "the restarted owners to hold every acknowledged value and every hint backlog to drain")
    assert sum(c.stats(i).get("hints.delivered", 0) for i in others) >= 2 * len(keys)


def test_a_killed_node_is_reported_dead_by_every_other_member(detecting_cluster):
    c = detecting_cluster
    victim = 2
    started = time.monotonic()
    c.nodes[victim].popen.send_signal(signal.SIGKILL)
    c.nodes[victim].popen.wait(timeout=10)
    for viewer in range(NODES):
        if viewer == victim:
            continue
        _eventually(lambda: state_of(c, viewer, victim) == "dead", DETECT_TIMEOUT_S, f"n{viewer} to see n{victim} dead")
    print(f"every member saw the killed node dead within {time.monotonic() - started:.2f} s")


def test_a_paused_node_is_suspected_then_alive_again_without_a_restart(detecting_cluster):
    c = detecting_cluster
    victim = 1
    pid = c.nodes[victim].pid
    c.nodes[victim].popen.send_signal(signal.SIGSTOP)
    try:
        viewer = 0
        _eventually(lambda: state_of(c, viewer, victim) in ("suspect", "dead"), DETECT_TIMEOUT_S,
                    f"n{viewer} to suspect the paused n{victim}")
    finally:
        c.nodes[victim].popen.send_signal(signal.SIGCONT)
    for viewer in range(NODES):
        if viewer == victim:
            continue
        _eventually(lambda: state_of(c, viewer, victim) == "alive", DETECT_TIMEOUT_S,
                    f"n{viewer} to see n{victim} alive again")
    assert c.nodes[victim].pid == pid and c.nodes[victim].popen.poll() is None
