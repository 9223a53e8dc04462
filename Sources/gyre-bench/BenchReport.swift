/// The printed summary of one run: a few human lines, then one JSON line.
///
/// JSON fields: target, op, ops (OK calls completed inside the window), seconds, ops_per_s,
/// p50_ms, p90_ms, p99_ms, p999_ms, max_ms, mean_ms, errors (by status, inside the window),
/// bad (OK answers with an unexpected body, by reason), total_ok / total_errors / total_bad
/// (every call of the run, warm-up and drain included: what the servers' counters saw),
/// server_cpu_us_per_op (summed CPU of --cpu-pids over the window / ops), client_cpu_us_per_op,
/// stuck (calls unanswered after the drain), and the settings.
struct BenchReport {
    let setting: String
    let plan: LoadPlan
    let result: LoadResult
    let serverPIDs: [Int32]
    let connections: Int
    let routing: Routing
    let threads: Int

    private func ms(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) / 1e6 }

    var text: String {
        let seconds = Double(result.windowNanoseconds) / 1e9
        let ops = result.measuredOK
        let rate = seconds > 0 ? Double(ops) / seconds : 0
        let h = result.histogram
        let serverPerOp = result.serverCPUMicroseconds.map { ops > 0 ? $0 / Double(ops) : Double.nan }
        let clientPerOp = result.clientCPUMicroseconds.map { ops > 0 ? $0 / Double(ops) : Double.nan }
        func f(_ value: Double, _ decimals: Int = 3) -> String { JSONValue.fixed(value, decimals: decimals) }
        var lines = [
            "gyre-bench: \(setting)",
            "  window \(f(seconds, 1)) s after \(f(Double(plan.warmupNanoseconds) / 1e9, 1)) s warm-up:"
                + " \(ops) ops OK, \(f(rate, 0)) ops/s",
            "  latency ms: p50 \(f(ms(h.percentile(0.5)))) p90 \(f(ms(h.percentile(0.9))))"
                + " p99 \(f(ms(h.percentile(0.99)))) p99.9 \(f(ms(h.percentile(0.999)))) max \(f(ms(h.max)))"
                + " mean \(f(h.mean / 1e6))",
            "  errors in window: \(RunCommand.describe(result.measuredErrors)); bad answers: \(RunCommand.describe(result.measuredBad))",
            "  whole run (warm-up, drain): OK \(result.totalOK), errors \(RunCommand.describe(result.totalErrors)),"
                + " bad \(RunCommand.describe(result.totalBad))\(result.stuck > 0 ? ", \(result.stuck) calls unanswered" : "")",
        ]
        for (code, message) in result.errorSamples.sorted(by: { $0.key < $1.key }) {
            lines.append("  e.g. \(code): \(message)")
        }
        var cpu = "  CPU per op:"
        if let serverPerOp { cpu += " servers (pids \(serverPIDs.map(String.init).joined(separator: ","))) \(f(serverPerOp, 1)) µs;" }
        if let clientPerOp { cpu += " gyre-bench \(f(clientPerOp, 1)) µs" }
        lines.append(cpu)
        let json: JSONValue = .object([
            ("target", .string(plan.target.rawValue)),
            ("op", .string(plan.operation.methodName(for: plan.target))),
            ("ops", .uint(ops)),
            ("seconds", .double(seconds, decimals: 3)),
            ("ops_per_s", .double(rate, decimals: 1)),
            ("p50_ms", .double(ms(h.percentile(0.5)), decimals: 3)),
            ("p90_ms", .double(ms(h.percentile(0.9)), decimals: 3)),
            ("p99_ms", .double(ms(h.percentile(0.99)), decimals: 3)),
            ("p999_ms", .double(ms(h.percentile(0.999)), decimals: 3)),
            ("max_ms", .double(ms(h.max), decimals: 3)),
            ("mean_ms", .double(h.mean / 1e6, decimals: 3)),
            ("errors", .counts(result.measuredErrors)),
            ("bad", .counts(result.measuredBad)),
            ("total_ok", .uint(result.totalOK)),
            ("total_errors", .counts(result.totalErrors)),
            ("total_bad", .counts(result.totalBad)),
            ("stuck", .int(Int64(result.stuck))),
            ("server_cpu_us_per_op", .double(serverPerOp, decimals: 2)),
            ("client_cpu_us_per_op", .double(clientPerOp, decimals: 2)),
            ("concurrency", .int(Int64(plan.concurrency))),
            ("connections", .int(Int64(connections))),
            ("route", .string(routing.rawValue)),
            ("threads", .int(Int64(threads))),
            ("value_bytes", .int(Int64(plan.value.count))),
            ("key_prefix", .string(plan.keyPrefix)),
        ])
        lines.append(json.text)
        return lines.joined(separator: "\n")
    }
}
