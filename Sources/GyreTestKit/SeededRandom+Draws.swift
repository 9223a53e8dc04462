/// Draws built on ``SeededRandom/next()`` alone, so a seed means the same choices on every Swift
/// version and platform (the standard library's `random(in:using:)` algorithms may change).
///
/// Contract: each draw consumes a fixed number of `next()` words (one), so adding a draw in one
/// place shifts later choices but never makes a run depend on anything but the seed.
extension SeededRandom {
    /// Uniform in `0..<bound` (multiply-high; `bound` ≥ 1).
    public mutating func below(_ bound: UInt64) -> UInt64 {
        precondition(bound >= 1, "below(_:) needs a positive bound")
        return next().multipliedFullWidth(by: bound).high
    }

    /// Uniform in `range`.
    public mutating func uniform(in range: ClosedRange<UInt64>) -> UInt64 {
        let span = range.upperBound - range.lowerBound
        if span == .max { return next() }
        return range.lowerBound + below(span + 1)
    }

    /// Uniform in `range`.
    public mutating func uniform(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(below(UInt64(range.upperBound - range.lowerBound) + 1))
    }

    /// An index into a collection of `count` elements (`count` ≥ 1).
    public mutating func index(below count: Int) -> Int { Int(below(UInt64(count))) }

    /// True with probability `probability` (0 never, 1 always), in steps of 2⁻⁵³.
    public mutating func chance(_ probability: Double) -> Bool {
        let unit = Double(next() >> 11) * 0x1p-53
        return unit < probability
    }

    /// Uniform in `[0, upper)` in steps of 2⁻⁵³ · `upper`.
    public mutating func fraction(upTo upper: Double) -> Double {
        Double(next() >> 11) * 0x1p-53 * upper
    }
}
