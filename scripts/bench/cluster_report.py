#!/usr/bin/env python3
"""Helpers for scripts/bench/cluster-bench.sh: server-counter checks and the final table.

Standard library only (gyre-bench does every gRPC call and prints JSON).

  check SYSTEM OP ROUND BENCH_OUT [BEFORE_JSON AFTER_JSON]
      BENCH_OUT is gyre-bench's output (its last line is the JSON summary); BEFORE/AFTER are
      `gyre-bench stats` lines taken around a gyre run. Prints the counter deltas and replica
      calls per client operation to stderr and appends one JSON row to stdout.
  table RESULTS_JSONL
      The final table, the Gyre/etcd ratios per round and their medians against the targets.
"""

from __future__ import annotations

import json
import statistics
import sys

TARGET_RATIO = 3.0
N = 3
# Counters that may grow during a healthy run without saying anything is wrong.
BENIGN = {"rpc.in_flight", "storage.keys", "replica.calls", "replica.batches", "storage.writes", "storage.wal_syncs"}


def bench_json(path: str) -> dict:
    with open(path) as f:
        lines = [line for line in f.read().splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"cluster_report: no JSON summary in {path}")
    return json.loads(lines[-1])


def deltas(before: dict, after: dict) -> dict[str, dict[str, int]]:
    """{address: {counter: after - before}} for the counters that changed (stats gauges too)."""
    out = {}
    for addr, node in after.items():
        b = before.get(addr, {}).get("counters", {})
        a = node["counters"]
        out[addr] = {k: a.get(k, 0) - b.get(k, 0) for k in set(a) | set(b) if a.get(k, 0) != b.get(k, 0)}
    return out


def check(system: str, op: str, rnd: str, bench_out: str, before_path: str | None, after_path: str | None) -> None:
    s = bench_json(bench_out)
    row = {"system": system, "op": s["op"], "round": int(rnd), **{k: s.get(k) for k in (
        "ops", "seconds", "ops_per_s", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms", "server_cpu_us_per_op",
        "client_cpu_us_per_op", "errors", "bad", "total_ok", "total_errors", "total_bad", "stuck")}}
    problems = []
    if s.get("errors") or s.get("bad") or s.get("total_errors") or s.get("total_bad") or s.get("stuck"):
        problems.append("client saw errors/bad answers")
    log = sys.stderr
    if before_path and after_path:
        with open(before_path) as f:
            before = json.load(f)
        with open(after_path) as f:
            after = json.load(f)
        d = deltas(before, after)
        method = f"rpc.KV.{s['op']}"
        total = {}
        for node in d.values():
            for k, v in node.items():
                total[k] = total.get(k, 0) + v
        client_ops = sum(v for k, v in total.items() if k.startswith(method + "."))
        ok = total.get(method + ".OK", 0)
        replica = total.get("replica.calls", 0)
        per_op = replica / client_ops if client_ops else float("nan")
        row["server_ops"] = client_ops
        row["replica_calls"] = replica
        row["replica_calls_per_op"] = per_op
        # Node-to-node HTTP/2 calls (Replica.Get, Put and Batch as the replicas counted them):
        # fewer than the replica calls when coordinators batched them.
        peer_rpcs = sum(v for k, v in total.items() if k.startswith("rpc.Replica."))
        row["peer_rpcs_per_op"] = peer_rpcs / client_ops if client_ops else float("nan")
        need = N - 1
        print(f"  server counters over the run (sum of {len(d)} nodes; the stats calls themselves left out):", file=log)
        for k in sorted(total):
            if k.startswith("rpc.Cluster.") or k.startswith("latency_micros.") or k in ("rpc.in_flight",):
                continue
            per_node = " ".join(f"{d[a].get(k, 0):+d}" for a in sorted(d))
            print(f"    {k:<34} {total[k]:+10d}   per node: {per_node}", file=log)
        print(f"  {method}.OK {ok:+d} vs gyre-bench total OK {s['total_ok']}"
              f" ({'equal' if ok == s['total_ok'] else 'MISMATCH'})", file=log)
        print(f"  replica calls per client op: {per_op:.3f} ({replica} / {client_ops})"
              f" ({'>=' if per_op >= need else 'BELOW'} N-1 = {need}); node-to-node calls per client op"
              f" {row['peer_rpcs_per_op']:.3f} (Replica.Batch carries several)", file=log)
        if ok != s["total_ok"]:
            problems.append(f"{method}.OK {ok} != client OK {s['total_ok']}")
        if not per_op >= need:
            problems.append(f"replica calls per op {per_op:.3f} < {need}")
        odd = {k: v for k, v in total.items()
               if k not in BENIGN and not k.startswith("rpc.Cluster.") and not k.startswith("latency_micros.")
               # RocksDB's own gauges (cache and table sizes, compactions) move with any load.
               and not k.startswith("storage.rocksdb.")
               and k != method + ".OK"
               and not (k.startswith("rpc.Replica.") and k.endswith(".OK"))}
        if odd:
            problems.append("counters: " + ", ".join(f"{k}{v:+d}" for k, v in sorted(odd.items())))
    row["check"] = "ok" if not problems else "FAIL: " + "; ".join(problems)
    print(json.dumps(row))


def fmt(v, spec: str) -> str:
    try:
        return format(float(v), spec)
    except (TypeError, ValueError):
        return "-"


def table(path: str) -> None:
    rows = []
    with open(path) as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    print(f"{'system':<8} {'op':<6} {'round':>5} {'ops/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} "
          f"{'srv CPU us/op':>13} {'cli CPU us/op':>13} {'repl/op':>7} {'rpc/op':>6}  check")
    for r in rows:
        print(f"{r['system']:<8} {r['op']:<6} {r['round']:>5} {fmt(r['ops_per_s'], '.0f'):>9} "
              f"{fmt(r['p50_ms'], '.3f'):>8} {fmt(r['p99_ms'], '.3f'):>8} {fmt(r['p999_ms'], '.3f'):>9} "
              f"{fmt(r['server_cpu_us_per_op'], '.1f'):>13} {fmt(r['client_cpu_us_per_op'], '.1f'):>13} "
              f"{fmt(r.get('replica_calls_per_op'), '.3f'):>7} {fmt(r.get('peer_rpcs_per_op'), '.2f'):>6}  {r['check']}")
    by = {(r["system"], r["op"], r["round"]): r for r in rows}
    rounds = sorted({r["round"] for r in rows})
    print()
    verdicts = []
    for gyre_op, etcd_op in (("Put", "Put"), ("Get", "Range")):
        ratios = []
        for rd in rounds:
            g, e = by.get(("gyre", gyre_op, rd)), by.get(("etcd", etcd_op, rd))
            if not g or not e or not e["ops_per_s"]:
                continue
            ratio = g["ops_per_s"] / e["ops_per_s"]
            ratios.append(ratio)
            cpu = ""
            if g.get("server_cpu_us_per_op") and e.get("server_cpu_us_per_op"):
                cpu = (f"; server CPU/op gyre {g['server_cpu_us_per_op']:.1f} us vs etcd "
                       f"{e['server_cpu_us_per_op']:.1f} us")
            print(f"Gyre {gyre_op} / etcd {etcd_op} round {rd}: {g['ops_per_s']:.0f} / {e['ops_per_s']:.0f}"
                  f" = {ratio:.2f}x{cpu}")
        if ratios:
            med = statistics.median(ratios)
            verdict = "meets" if med >= TARGET_RATIO else "BELOW"
            verdicts.append(verdict)
            print(f"Gyre {gyre_op} / etcd {etcd_op} median: {med:.2f}x  (target >= {TARGET_RATIO:.0f}x: {verdict})")
        else:
            print(f"Gyre {gyre_op} / etcd {etcd_op}: not measured")
    for op in ("Put", "Get"):
        ratios = []
        for rd in rounds:
            t, g = by.get(("gyre-tls", op, rd)), by.get(("gyre", op, rd))
            if not t or not g or not g["ops_per_s"]:
                continue
            ratios.append(t["ops_per_s"] / g["ops_per_s"])
            print(f"Gyre TLS / plain {op} round {rd}: {t['ops_per_s']:.0f} / {g['ops_per_s']:.0f} = {ratios[-1]:.2f}x"
                  f"; server CPU/op {fmt(t.get('server_cpu_us_per_op'), '.1f')} vs {fmt(g.get('server_cpu_us_per_op'), '.1f')} us")
        if ratios:
            print(f"Gyre TLS / plain {op} median: {statistics.median(ratios):.2f}x")
    for op in ("Put", "Get"):
        ratios = []
        for rd in rounds:
            b, g = by.get(("gyre-base", op, rd)), by.get(("gyre", op, rd))
            if not b or not g or not b["ops_per_s"]:
                continue
            ratios.append(g["ops_per_s"] / b["ops_per_s"])
            print(f"Gyre / baseline {op} round {rd}: {g['ops_per_s']:.0f} / {b['ops_per_s']:.0f} = {ratios[-1]:.2f}x"
                  f"; server CPU/op {fmt(g.get('server_cpu_us_per_op'), '.1f')} vs {fmt(b.get('server_cpu_us_per_op'), '.1f')} us")
        if ratios:
            med = statistics.median(ratios)
            verdict = "no regression" if med >= 0.9 else "REGRESSION (median more than 10% worse)"
            print(f"Gyre / baseline {op} median: {med:.2f}x  ({verdict})")
    failed = [r for r in rows if r["check"] != "ok"]
    if failed:
        print(f"\n{len(failed)} run(s) failed their checks (see the check column)")


def main() -> None:
    if len(sys.argv) >= 6 and sys.argv[1] == "check":
        check(*sys.argv[2:6], *(sys.argv[6:8] if len(sys.argv) >= 8 else (None, None)))
    elif len(sys.argv) == 3 and sys.argv[1] == "table":
        table(sys.argv[2])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
