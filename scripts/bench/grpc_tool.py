#!/usr/bin/env python3
"""Helpers for scripts/bench/h2load-bench.sh: gRPC request bodies, checks and the report.

Protobuf is encoded and decoded by hand (a few fields of gyre.v1 and etcdserverpb), so the
benchmark needs no generated stubs; the calls use grpcio's generic unary_unary with raw bytes.

  body KIND OUT [--key K] [--value-bytes N]   KIND: gyre-get gyre-put etcd-put etcd-range
  gyre-stats ADDR                             JSON {counter: value}
  gyre-put ADDR KEY N | gyre-get ADDR KEY     put a bench value / read a key back (JSON)
  etcd-put ADDR KEY N | etcd-range ADDR KEY   the same against etcd's KV service (JSON)
  wait-grpc ADDR SECONDS                      wait until the server answers any gRPC call
  analyze LOG SECONDS                         h2load --log-file -> JSON {n, ok, rps, p50_ms, ...}
  report RESULTS_TSV                          print the table, the gyre/nghttpd ratios and tail
                                              goal, and gyre-get against base-get
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

# ---------------------------------------------------------------- protobuf by hand


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_bytes(num: int, data: bytes) -> bytes:
    return varint(num << 3 | 2) + varint(len(data)) + data


def field_varint(num: int, value: int) -> bytes:
    return varint(num << 3 | 0) + varint(value)


def parse(data: bytes) -> list[tuple[int, int, object]]:
    """Top-level fields of a message: [(number, wire type, int or bytes)]."""
    out, i = [], 0
    while i < len(data):
        key, i = _read_varint(data, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _read_varint(data, i)
        elif wt == 2:
            n, i = _read_varint(data, i)
            v, i = data[i : i + n], i + n
        elif wt == 1:
            v, i = data[i : i + 8], i + 8
        elif wt == 5:
            v, i = data[i : i + 4], i + 4
        else:
            raise ValueError(f"wire type {wt} not supported")
        out.append((num, wt, v))
    return out


def _read_varint(data: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def grpc_frame(message: bytes) -> bytes:
    """The 5-byte gRPC prefix (not compressed, big-endian length) + the message."""
    return b"\x00" + len(message).to_bytes(4, "big") + message


def bench_value(n: int) -> bytes:
    return bytes((i * 7 + 3) % 256 for i in range(n))


# gyre.v1: GetRequest{key=1}, PutRequest{key=1, value=2}, StatsResponse{counters=2{name=1,value=2}}
def gyre_get_request(key: bytes) -> bytes:
    return field_bytes(1, key)


def gyre_put_request(key: bytes, value: bytes) -> bytes:
    return field_bytes(1, key) + field_bytes(2, value)


# etcdserverpb: PutRequest{key=1, value=2}, RangeRequest{key=1}
def etcd_put_request(key: bytes, value: bytes) -> bytes:
    return field_bytes(1, key) + field_bytes(2, value)


def etcd_range_request(key: bytes) -> bytes:
    return field_bytes(1, key)


BODIES = {
    "gyre-get": lambda a: gyre_get_request(a.key.encode()),
    "gyre-put": lambda a: gyre_put_request(a.key.encode(), bench_value(a.value_bytes)),
    "etcd-put": lambda a: etcd_put_request(a.key.encode(), bench_value(a.value_bytes)),
    "etcd-range": lambda a: etcd_range_request(a.key.encode()),
}

# ---------------------------------------------------------------- calls


def call(addr: str, path: str, request: bytes, timeout: float = 5.0) -> bytes:
    import grpc  # only the calls need grpcio

    with grpc.insecure_channel(addr, options=[("grpc.enable_http_proxy", 0)]) as ch:
        fn = ch.unary_unary(path, request_serializer=lambda b: b, response_deserializer=lambda b: b)
        return fn(request, timeout=timeout)


def gyre_stats(addr: str) -> dict[str, int]:
    resp = call(addr, "/gyre.v1.Cluster/Stats", b"")
    counters = {}
    for num, _, v in parse(resp):
        if num == 2:
            name, value = "", 0
            for n2, _, v2 in parse(v):
                if n2 == 1:
                    name = v2.decode()
                elif n2 == 2:
                    value = v2
            counters[name] = value
    return counters


def gyre_get(addr: str, key: bytes) -> list[bytes]:
    return [v for num, _, v in parse(call(addr, "/gyre.v1.KV/Get", gyre_get_request(key))) if num == 1]


def etcd_range(addr: str, key: bytes) -> dict:
    resp = parse(call(addr, "/etcdserverpb.KV/Range", etcd_range_request(key)))
    out = {"revision": 0, "count": 0, "version": 0, "value_len": None, "value_ok": None}
    for num, _, v in resp:
        if num == 1:  # ResponseHeader{cluster_id=1, member_id=2, revision=3, raft_term=4}
            out["revision"] = next((x for n, _, x in parse(v) if n == 3), 0)
        elif num == 2:  # KeyValue{key=1, create_revision=2, mod_revision=3, version=4, value=5}
            kv = {n: x for n, _, x in parse(v)}
            out["version"] = kv.get(4, 0)
            value = kv.get(5, b"")
            out["value_len"] = len(value)
            out["value_ok"] = value == bench_value(len(value))
        elif num == 4:
            out["count"] = v
    return out


def wait_grpc(addr: str, seconds: float) -> None:
    """Waits until any gRPC answer (any status) comes back from addr."""
    import grpc

    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            call(addr, "/grpc.health.v1.Health/Check", b"", timeout=1.0)
            return
        except grpc.RpcError as e:
            if e.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                return  # it answered (e.g. UNIMPLEMENTED): it is up
            last = e
        time.sleep(0.1)
    sys.exit(f"wait-grpc: {addr} did not answer within {seconds} s ({last})")


# ---------------------------------------------------------------- h2load log and report


def analyze(log: str, seconds: float) -> dict:
    """h2load --log-file rows: start µs since epoch, HTTP status (-1: failed), duration µs."""
    ok, n, fail = [], 0, 0
    with open(log) as f:
        for line in f:
            cols = line.split("\t")
            if len(cols) < 3:
                continue
            n += 1
            if cols[1].startswith("2"):
                ok.append(int(cols[2]))
            else:
                fail += 1
    ok.sort()

    def pct(p):
        return ok[min(len(ok) - 1, int(p * len(ok)))] / 1000.0 if ok else float("nan")

    return {
        "n": n, "ok": len(ok), "not_ok": fail, "rps": len(ok) / seconds,
        "p50_ms": pct(0.50), "p99_ms": pct(0.99),
    }


def report(path: str) -> None:
    rows = []
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            rows.append(dict(zip(header, line.rstrip("\n").split("\t"))))

    def num(r, k):
        try:
            return float(r[k])
        except (KeyError, ValueError):
            return float("nan")

    def tail(r):
        return num(r, "p99_ms") / num(r, "p50_ms") if num(r, "p50_ms") > 0 else float("nan")

    print(f"{'target':<12} {'round':>5} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'p99/p50':>7} "
          f"{'CPU us/req':>10}  check")
    for r in rows:
        print(f"{r['target']:<12} {r['round']:>5} {num(r, 'rps'):>10.0f} {num(r, 'p50_ms'):>8.3f} "
              f"{num(r, 'p99_ms'):>8.3f} {tail(r):>7.2f} {num(r, 'cpu_us_per_req'):>10.2f}  {r.get('check', '')}")

    row = {(r["target"], r["round"]): r for r in rows}
    by = {k: num(r, "rps") for k, r in row.items()}
    rounds = sorted({r["round"] for r in rows}, key=int)
    print()
    # The tail goal: in the same round as nghttpd, p99 <= 3 x p50 and req/s >= 0.6 x nghttpd's.
    for target, goal in (("gyre-get", 0.6), ("base-get", 0.6), ("gyre-put", 0.5)):
        ratios, tails, met = [], [], 0
        for rd in rounds:
            a, b = by.get((target, rd)), by.get(("nghttpd", rd))
            if a is None or not b:
                continue
            t = tail(row[(target, rd)])
            ratios.append(a / b)
            tails.append(t)
            ok = a / b >= goal and (target == "gyre-put" or t <= 3.0)
            met += ok
            print(f"{target}/nghttpd round {rd}: req/s {a / b:.2f}, p99/p50 {t:.2f} "
                  f"(nghttpd {tail(row[('nghttpd', rd)]):.2f})  {'meets' if ok else 'BELOW'}")
        if ratios:
            med = statistics.median(ratios)
            verdict = "meets" if med >= goal else "BELOW"
            print(f"{target}/nghttpd median: req/s {med:.2f} (target >= {goal}: {verdict}), "
                  f"p99/p50 {statistics.median(tails):.2f}; rounds meeting the goal: {met} of {len(ratios)}")
        elif target != "base-get":
            print(f"{target}/nghttpd: not measured")
    for target in ("etcd-put", "etcd-range"):
        vals = [by[(target, rd)] / by[("nghttpd", rd)] for rd in rounds
                if (target, rd) in by and by.get(("nghttpd", rd))]
        if vals:
            print(f"{target}/nghttpd median (reference): {statistics.median(vals):.2f}")
    # gyre-get against a baseline binary measured in the same rounds: a median more than 10%
    # worse (fewer req/s, or a higher p50 or p99) is a regression.
    both = [rd for rd in rounds if ("gyre-get", rd) in row and ("base-get", rd) in row]
    if both:
        print()
        worse = []
        for key, name, higher_is_better in (("rps", "req/s", True), ("p50_ms", "p50", False), ("p99_ms", "p99", False)):
            new = statistics.median(num(row[("gyre-get", rd)], key) for rd in both)
            old = statistics.median(num(row[("base-get", rd)], key) for rd in both)
            change = (new - old) / old if old else float("nan")
            bad = change < -0.10 if higher_is_better else change > 0.10
            if bad:
                worse.append(name)
            print(f"gyre-get vs base-get, median {name}: {new:.3f} vs {old:.3f} ({change:+.1%})")
        print(f"gyre-get vs base-get over {len(both)} rounds: "
              + (f"REGRESSION ({', '.join(worse)} more than 10% worse)" if worse else "no regression"))


# ---------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("body")
    p.add_argument("kind", choices=sorted(BODIES))
    p.add_argument("out")
    p.add_argument("--key", default="bench/key")
    p.add_argument("--value-bytes", type=int, default=100)
    p = sub.add_parser("gyre-stats")
    p.add_argument("addr")
    for name in ("gyre-put", "etcd-put"):
        p = sub.add_parser(name)
        p.add_argument("addr")
        p.add_argument("key")
        p.add_argument("value_bytes", type=int)
    for name in ("gyre-get", "etcd-range"):
        p = sub.add_parser(name)
        p.add_argument("addr")
        p.add_argument("key")
    p = sub.add_parser("wait-grpc")
    p.add_argument("addr")
    p.add_argument("seconds", type=float)
    p = sub.add_parser("analyze")
    p.add_argument("log")
    p.add_argument("seconds", type=float)
    p = sub.add_parser("report")
    p.add_argument("results")
    a = ap.parse_args()

    if a.cmd == "body":
        with open(a.out, "wb") as f:
            f.write(grpc_frame(BODIES[a.kind](a)))
    elif a.cmd == "gyre-stats":
        print(json.dumps(gyre_stats(a.addr), sort_keys=True))
    elif a.cmd == "gyre-put":
        call(a.addr, "/gyre.v1.KV/Put", gyre_put_request(a.key.encode(), bench_value(a.value_bytes)))
    elif a.cmd == "gyre-get":
        values = gyre_get(a.addr, a.key.encode())
        print(json.dumps({"values": len(values), "lens": [len(v) for v in values],
                          "bench_values": all(v == bench_value(len(v)) for v in values)}))
    elif a.cmd == "etcd-put":
        call(a.addr, "/etcdserverpb.KV/Put", etcd_put_request(a.key.encode(), bench_value(a.value_bytes)))
    elif a.cmd == "etcd-range":
        print(json.dumps(etcd_range(a.addr, a.key.encode())))
    elif a.cmd == "wait-grpc":
        wait_grpc(a.addr, a.seconds)
    elif a.cmd == "analyze":
        print(json.dumps(analyze(a.log, a.seconds)))
    elif a.cmd == "report":
        report(a.results)


if __name__ == "__main__":
    main()
