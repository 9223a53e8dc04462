/// Latencies in nanoseconds, counted in log-linear buckets (HDR-histogram style): values below
/// 128 ns exactly, above that 64 buckets per power of two, so a percentile is within 1/64 (1.6%)
/// of the true value. Recording is an index computation and an increment: no allocation.
///
/// Contract: not thread-safe (one per worker; merge them at the end). Percentiles return the
/// middle of the bucket holding the requested rank, or 0 when nothing was recorded.
struct LatencyHistogram: Sendable {
    private static let linearBits = 7
    private static let bucketCount = (64 - linearBits + 2) * 64

    private var counts = [UInt64](repeating: 0, count: LatencyHistogram.bucketCount)
    private(set) var total: UInt64 = 0
    private(set) var sum: UInt64 = 0
    private(set) var max: UInt64 = 0

    mutating func record(_ nanoseconds: UInt64) {
        counts[Self.index(nanoseconds)] += 1
        total += 1
        sum &+= nanoseconds
        if nanoseconds > max { max = nanoseconds }
    }

    mutating func merge(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] += other.counts[index] }
        total += other.total
        sum &+= other.sum
        max = Swift.max(max, other.max)
    }

    /// The latency at quantile `q` (0...1) in nanoseconds.
    func percentile(_ q: Double) -> UInt64 {
        guard total > 0 else { return 0 }
        let rank = Swift.min(total, Swift.max(1, UInt64((q * Double(total)).rounded(.up))))
        var seen: UInt64 = 0
        for index in counts.indices {
            seen += counts[index]
            if seen >= rank { return Swift.min(Self.middle(index), max) }
        }
        return max
    }

    var mean: Double { total == 0 ? 0 : Double(sum) / Double(total) }

    static func index(_ value: UInt64) -> Int {
        let bits = 64 - value.leadingZeroBitCount
        if bits <= linearBits { return Int(value) }
        let shift = bits - linearBits
        // value >> shift is in 64...127: buckets (shift + 1)·64 ..< (shift + 2)·64.
        return shift * 64 + Int(value >> UInt64(shift))
    }

    /// The middle of the values that land in bucket `index`.
    static func middle(_ index: Int) -> UInt64 {
        if index < 1 << linearBits { return UInt64(index) }
        let shift = index / 64 - 1
        let low = UInt64(index - shift * 64) << UInt64(shift)
        return low + (UInt64(1) << UInt64(shift)) / 2
    }
}
