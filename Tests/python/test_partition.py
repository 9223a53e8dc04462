"""Availability under a network partition, on five gyre-node processes in network namespaces.

Each node runs in a namespace of its own, on a bridge, at 127.1.0.1x (see netns_lab); the client
runs in a sixth namespace and reaches every node. While one client worker per side writes and
reads keys of its own at the nodes of its side, the nodes are cut {n0, n1} / {n2, n3, n4} with
iptables DROP rules, then healed. Judged:
- during the partition, at least 99 % of the writes on each side succeed, and at least 99 % of
  the reads show the last value acknowledged before them;
- after the heal, within a bounded time, every acknowledged value is held by all N owners of its
  key (read straight from their stores, so read repair cannot hide a missed handoff).

Skipped without root, `ip` or `iptables` (the test suite's setup installs iptables).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import gyre_testlib as lib
import netns_lab

pytestmark = pytest.mark.skipif(netns_lab.available() is not None, reason=str(netns_lab.available()))

NAMES = ["n0", "n1", "n2", "n3", "n4"]
SIDE_A, SIDE_B = NAMES[:2], NAMES[2:]
BEFORE_S, PARTITION_S, AFTER_S = 6.0, 20.0, 6.0
KEYS_PER_SIDE = 30
WORKLOAD = str(Path(__file__).with_name("partition_workload.py"))
DETECTOR_ARGS = [] if os.environ.get("GYRE_PARTITION_DEFAULT_DETECTOR") else ["--probe-interval-ms", "500", "--suspicion-timeout-ms", "2000"]


@pytest.fixture
def lab():
    lab = netns_lab.Lab(NAMES + ["client"])
    yield lab
    lab.close()


def start_nodes(lab, binary: str, certs: lib.Certs, tmp: Path) -> list[subprocess.Popen]:
    peers = ",".join(f"{lab.addresses[n]}:7100" for n in NAMES)
    nodes = []
    try:
        for name in NAMES:
            address = lab.addresses[name]
            argv = [binary, "--listen", f"{address}:7000", "--peer-listen", f"{address}:7100", "--peers", peers,
                    "--partitions", "64", "--data-dir", str(tmp / name), *certs.node_args(name), *DETECTOR_ARGS]
            with open(tmp / f"{name}.log", "wb") as log:
                popen = subprocess.Popen(lab.command(name, argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=log)
            nodes.append(popen)
            line = lib._read_line(popen, 20.0)
            assert line.startswith(b"gyre-node serving on "), (name, line, lib._tail(tmp / f"{name}.log"))
    except BaseException:
        stop(nodes)
        raise
    return nodes


def stop(nodes: list[subprocess.Popen]) -> None:
    for popen in nodes:
        if popen.poll() is None:
            popen.send_signal(signal.SIGTERM)
    for popen in nodes:
        try:
            popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait(timeout=5)


def client(lab, *args: str, timeout: float) -> dict:
    done = subprocess.run(lab.command("client", [sys.executable, WORKLOAD, *args]), capture_output=True,
                          timeout=timeout, env=os.environ.copy())
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return json.loads(done.stdout)


def ratios(events, side: str, start: float, end: float) -> tuple[float, float, int, int]:
    puts = [e for e in events if e[1] == side and e[2] == "put" and start <= e[0] <= end]
    gets = [e for e in events if e[1] == side and e[2] == "get" and start <= e[0] <= end]
    put_ok = sum(1 for e in puts if e[3]) / max(1, len(puts))
    get_good = sum(1 for e in gets if e[4]) / max(1, len(gets))
    return put_ok, get_good, len(puts), len(gets)


def test_both_sides_of_a_partition_keep_writing_and_reading(lab, node_binary, tmp_path):
    os.environ["GYRE_CERT_HOSTS"] = ",".join(lab.addresses[n] for n in NAMES)
    try:
        certs = lib.Certs(tmp_path / "certs", NAMES)
    finally:
        del os.environ["GYRE_CERT_HOSTS"]
    nodes = start_nodes(lab, node_binary, certs, tmp_path)
    try:
        clients = [f"{lab.addresses[n]}:7000" for n in NAMES]
        assert client(lab, "wait", *clients, timeout=90)["ok"]
        spec = {"sides": {"a": [f"{lab.addresses[n]}:7000" for n in SIDE_A],
                          "b": [f"{lab.addresses[n]}:7000" for n in SIDE_B]}}
        seconds = BEFORE_S + PARTITION_S + AFTER_S
        workload = subprocess.Popen(lab.command("client", [sys.executable, WORKLOAD, "run", json.dumps(spec),
                                                           str(seconds), str(KEYS_PER_SIDE)]),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy())
        try:
            # The fault schedule (not synchronisation): the partition starts and ends at fixed
            # times into the workload.
            time.sleep(BEFORE_S)
            cut_at = time.time()
            lab.partition(SIDE_A, SIDE_B)
            time.sleep(PARTITION_S)
            healed_at = time.time()
            lab.heal()
            out, err = workload.communicate(timeout=seconds + 60)
        finally:
            if workload.poll() is None:
                workload.kill()
                workload.wait(timeout=5)
        assert workload.returncode == 0, err.decode()[-2000:]
        result = json.loads(out)
        events = result["events"]
        report = []
        for side in ("a", "b"):
            put_ok, get_good, puts, gets = ratios(events, side, cut_at, healed_at)
            report.append(f"side {side}: {puts} puts, {put_ok:.2%} ok; {gets} gets, {get_good:.2%} showed the last "
                          f"acknowledged value")
        end = max(e[0] for e in events)
        for side in ("a", "b"):
            put_ok, get_good, puts, gets = ratios(events, side, healed_at, end)
            report.append(f"after the heal, side {side}: {puts} puts, {put_ok:.2%} ok; {gets} gets, {get_good:.2%} good")
        print("partition: " + "; ".join(report) + f"; failures: {result['failures']}")
        for side in ("a", "b"):
            put_ok, get_good, puts, gets = ratios(events, side, cut_at, healed_at)
            assert puts > 50 and gets > 50, report
            assert put_ok >= 0.99, report
            assert get_good >= 0.99, report

        # After the heal: every acknowledged value on all N owners, by handoff (bounded).
        spec = {"clients": clients, "peers": [f"{lab.addresses[n]}:7100" for n in NAMES], "names": NAMES,
                "certs": {"ca": certs.ca, "cert": certs.cert("n0"), "key": certs.key("n0")},
                "acknowledged": result["acknowledged"]}
        spec_path = tmp_path / "owners.json"
        spec_path.write_text(json.dumps(spec))
        deadline = time.monotonic() + 60
        while True:
            holders = client(lab, "owners", str(spec_path), timeout=60)["holders"]
            missing = {key: held for key, held in holders.items() if not all(held)}
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert not missing, f"{len(missing)} keys not on all owners 60 s after the heal: {missing}"
    finally:
        stop(nodes)
