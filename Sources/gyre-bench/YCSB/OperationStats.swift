import Histogram

/// Latencies and outcomes per operation kind, recorded by one worker and merged at the end.
///
/// Contract: latencies are microseconds in an HdrHistogram (3 significant digits, 1 µs to
/// 100 s); errors are counted by kind; `getCalls` and `putCalls` count the KV calls made (a
/// read-modify-write makes one get and one or more puts), so a run can be checked against the
/// servers' counters.
struct OperationStats: Sendable {
    var histograms: [Histogram<UInt64>]
    var errors: [[String: UInt64]]
    var getCalls: UInt64 = 0
    var putCalls: UInt64 = 0

    init() {
        histograms = YCSBOperation.allCases.map { _ in Histogram<UInt64>(highestTrackableValue: 100_000_000) }
        errors = YCSBOperation.allCases.map { _ in [:] }
    }

    mutating func record(_ operation: YCSBOperation, microseconds: UInt64) {
        _ = histograms[operation.rawValue].record(max(1, min(microseconds, 100_000_000)))
    }

    mutating func failed(_ operation: YCSBOperation, _ kind: String) {
        errors[operation.rawValue][kind, default: 0] += 1
    }

    mutating func add(_ other: OperationStats) {
        for index in histograms.indices {
            histograms[index].add(other.histograms[index])
            errors[index].merge(other.errors[index], uniquingKeysWith: +)
        }
        getCalls += other.getCalls
        putCalls += other.putCalls
    }

    var completed: UInt64 { histograms.reduce(0) { $0 + $1.totalCount } }
    var failures: UInt64 { errors.reduce(0) { $0 + $1.values.reduce(0, +) } }
}
