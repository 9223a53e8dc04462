import Histogram

/// A YCSB phase's figures: throughput, and per operation its count, errors and latency
/// percentiles (µs), as text lines and as one JSON object.
///
/// Contract: percentiles come from the merged HdrHistograms; `get_calls` and `put_calls` are the
/// KV calls the phase made (what the nodes' `rpc.KV.Get.*` and `rpc.KV.Put.*` counters gain
/// when no call had to be retried on another node).
struct YCSBReport {
    let phase: String
    let workload: YCSBWorkload
    let distribution: KeyChooser.Distribution
    let plan: YCSBPlan
    let routing: String
    let stats: OperationStats
    let elapsed: Duration

    var seconds: Double { Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18 }
    var throughput: Double { seconds > 0 ? Double(stats.completed) / seconds : 0 }

    static let percentiles: [(String, Double)] = [("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9)]

    var lines: [String] {
        var lines = ["[OVERALL] \(phase) workload \(workload.letter.rawValue.uppercased()) (\(workload.summary)), "
            + "\(distribution.rawValue), \(plan.concurrency) in flight\(plan.targetRate.map { ", open loop at \(Int($0)) ops/s" } ?? ""), "
            + "routing \(routing): \(stats.completed) ops in \(JSONValue.fixed(seconds, decimals: 2)) s = "
            + "\(JSONValue.fixed(throughput, decimals: 0)) ops/s, \(stats.failures) failed"]
        for operation in YCSBOperation.allCases {
            let histogram = stats.histograms[operation.rawValue]
            let errors = stats.errors[operation.rawValue]
            guard histogram.totalCount > 0 || !errors.isEmpty else { continue }
            let figures = Self.percentiles.map { "\($0.0) \(Self.milliseconds(histogram.valueAtPercentile($0.1)))" }
            lines.append("[\(operation.name)] \(histogram.totalCount) ok, mean \(Self.milliseconds(histogram.mean)) ms, "
                + figures.joined(separator: " ") + " max \(Self.milliseconds(histogram.max)) ms"
                + (errors.isEmpty ? "" : ", errors " + errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: " ")))
        }
        return lines
    }

    var json: String {
        var operations: [(String, JSONValue)] = []
        for operation in YCSBOperation.allCases {
            let histogram = stats.histograms[operation.rawValue]
            let errors = stats.errors[operation.rawValue]
            guard histogram.totalCount > 0 || !errors.isEmpty else { continue }
            var fields: [(String, JSONValue)] = [("count", .uint(histogram.totalCount)),
                                                 ("errors", .uint(errors.values.reduce(0, +))),
                                                 ("error_kinds", .counts(errors)),
                                                 ("mean_us", .double(histogram.mean, decimals: 1))]
            for (name, percentile) in Self.percentiles {
                fields.append(("\(name)_us", .uint(histogram.valueAtPercentile(percentile))))
            }
            fields.append(("max_us", .uint(histogram.max)))
            operations.append((operation.name, .object(fields)))
        }
        return JSONValue.object([
            ("phase", .string(phase)), ("workload", .string(workload.letter.rawValue)),
            ("distribution", .string(distribution.rawValue)), ("routing", .string(routing)),
            ("records", .int(Int64(plan.records))), ("concurrency", .int(Int64(plan.concurrency))),
            ("target_rate", plan.targetRate.map { .double($0, decimals: 1) } ?? .null),
            ("value_bytes", .int(Int64(plan.value.count))),
            ("seconds", .double(seconds, decimals: 3)), ("operations_ok", .uint(stats.completed)),
            ("operations_failed", .uint(stats.failures)), ("throughput_ops_s", .double(throughput, decimals: 1)),
            ("get_calls", .uint(stats.getCalls)), ("put_calls", .uint(stats.putCalls)),
            ("operations", .object(operations)),
        ]).text
    }

    static func milliseconds(_ microseconds: UInt64) -> String { JSONValue.fixed(Double(microseconds) / 1000, decimals: 2) }
    static func milliseconds(_ microseconds: Double) -> String { JSONValue.fixed(microseconds / 1000, decimals: 2) }
}
