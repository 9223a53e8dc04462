"""The client side of the partition test, run inside the lab's client namespace (the test
process itself cannot reach the hosts' 127.1.0.x addresses). Prints one JSON object.

  partition_workload.py wait  ADDR...            every node reports SERVING (bounded)
  partition_workload.py run   SPEC SECONDS KEYS  writes and reads (see run())
  partition_workload.py owners SPEC              which nodes hold each acknowledged value

Needs GYRE_PY_STUBS (the grpcio stubs) like the test suite.
"""

from __future__ import annotations

import json
import os
import random
import sys
import threading
import time
import uuid

sys.path.insert(0, os.environ["GYRE_PY_STUBS"])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402

from gyre_testlib import (  # noqa: E402
    cluster_pb2,
    cluster_pb2_grpc,
    health_pb2,
    health_pb2_grpc,
    kv_pb2,
    kv_pb2_grpc,
    partition_of,
    replica_metadata,
    replica_pb2,
    replica_pb2_grpc,
)

CALL_TIMEOUT_S = 3.0


def wait(addresses: list[str], timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    for address in addresses:
        channel = grpc.insecure_channel(address)
        health = health_pb2_grpc.HealthStub(channel)
        while True:
            try:
                if health.Check(health_pb2.HealthCheckRequest(), timeout=2).status == health_pb2.HealthCheckResponse.SERVING:
                    break
            except grpc.RpcError:
                pass
            if time.monotonic() > deadline:
                return {"ok": False, "waiting_for": address}
            time.sleep(0.1)
        channel.close()
    return {"ok": True}


def run(spec: dict, seconds: float, keys: int) -> dict:
    """One worker per side, each with keys of its own: put a new value (with the context of the
    key's last acknowledged put) at a random node of its side, then get the key at another random
    node of its side and check that it shows the last acknowledged value. Every call is recorded
    with its time, so the test can judge the partition window alone."""
    channels = {address: grpc.insecure_channel(address) for side in spec["sides"].values() for address in side}
    events: list[tuple[float, str, str, bool, bool]] = []
    acknowledged: dict[str, str] = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(side: str, addresses: list[str]) -> None:
        rng = random.Random(side)
        contexts: dict[str, bytes] = {}
        last: dict[str, bytes] = {}
        seq = 0
        while time.monotonic() < stop_at:
            key = f"{side}-{seq % keys}"
            seq += 1
            value = f"{key}-v{seq}".encode()
            stub = kv_pb2_grpc.KVStub(channels[rng.choice(addresses)])
            try:
                put = stub.Put(kv_pb2.PutRequest(key=key.encode(), value=value, context=contexts.get(key, b"")),
                               timeout=CALL_TIMEOUT_S)
                contexts[key] = put.context
                last[key] = value
                ok, note = True, ""
            except grpc.RpcError as e:
                ok, note = False, f"{e.code().name}: {e.details()}"
            with lock:
                events.append((time.time(), side, "put", ok, True))
                if ok:
                    acknowledged[key] = value.decode()
                else:
                    failures[note[:160]] = failures.get(note[:160], 0) + 1
            if key not in last:
                continue
            stub = kv_pb2_grpc.KVStub(channels[rng.choice(addresses)])
            try:
                got = stub.Get(kv_pb2.GetRequest(key=key.encode()), timeout=CALL_TIMEOUT_S)
                ok, good = True, last[key] in list(got.values)
            except grpc.RpcError as e:
                ok, good = False, False
                note = f"get {e.code().name}: {e.details()}"
                with lock:
                    failures[note[:160]] = failures.get(note[:160], 0) + 1
            with lock:
                events.append((time.time(), side, "get", ok, good))

    failures: dict[str, int] = {}
    threads = [threading.Thread(target=worker, args=(side, addresses)) for side, addresses in spec["sides"].items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for channel in channels.values():
        channel.close()
    return {"events": events, "acknowledged": acknowledged, "failures": failures}


def owners(spec: dict) -> dict:
    """For every acknowledged key: which of its N owners hold its last acknowledged value in
    their own store (Replica.Get on the peer port, as member n0 with its certificate)."""
    certs = spec["certs"]
    with open(certs["ca"], "rb") as f:
        ca = f.read()
    with open(certs["cert"], "rb") as f:
        cert = f.read()
    with open(certs["key"], "rb") as f:
        key = f.read()
    credentials = grpc.ssl_channel_credentials(root_certificates=ca, private_key=key, certificate_chain=cert)
    client0 = grpc.insecure_channel(spec["clients"][0])
    ring = cluster_pb2_grpc.ClusterStub(client0).Ring(cluster_pb2.RingRequest(), timeout=CALL_TIMEOUT_S)
    cluster_id = str(uuid.UUID(bytes=ring.cluster_id))
    ids = [str(uuid.UUID(bytes=m.node_id)) for m in ring.members]
    peer_of = [m.peer_address for m in ring.members]
    sender = ids[peer_of.index(spec["peers"][0])]
    channels = {address: grpc.secure_channel(address, credentials,
                                             options=[("grpc.ssl_target_name_override", spec["names"][i])])
                for i, address in enumerate(spec["peers"])}
    q = ring.partition_count
    result = {}
    for name, value in spec["acknowledged"].items():
        partition = partition_of(name.encode(), q)
        owners_seen: list[int] = []
        for step in range(q):
            member = ring.owners[(partition + step) % q]
            if member not in owners_seen:
                owners_seen.append(member)
            if len(owners_seen) == ring.replication:
                break
        holders = []
        for member in owners_seen:
            stub = replica_pb2_grpc.ReplicaStub(channels[peer_of[member]])
            try:
                answer = stub.Get(replica_pb2.ReplicaGetRequest(key=name.encode(), partition=partition),
                                  timeout=CALL_TIMEOUT_S,
                                  metadata=replica_metadata(cluster_id, sender, ids[member], ring.epoch))
                holders.append(answer.found and value.encode() in answer.version_set)
            except grpc.RpcError:
                holders.append(False)
        result[name] = holders
    return {"holders": result}


def main() -> None:
    mode = sys.argv[1]
    if mode == "wait":
        out = wait(sys.argv[2:])
    elif mode == "run":
        out = run(json.loads(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]))
    elif mode == "owners":
        with open(sys.argv[2]) as f:
            out = owners(json.load(f))
    else:
        raise SystemExit(f"unknown mode {mode}")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
