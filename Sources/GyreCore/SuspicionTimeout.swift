/// Lifeguard's Local Health Aware Suspicion: how long a suspect has to refute before it is
/// declared dead, shrinking as independent suspicions of it arrive.
///
/// Contract: pure. `timeout = max(min, max − (max − min) · log(C + 1) / log(K + 1))` with C the
/// confirmations (accusers beyond the first) and K the confirmations expected, so C = 0 gives
/// `max` and C ≥ K gives `min`; K < 1 gives `min` (a group too small to confirm anything).
/// Deterministic: the logarithm is computed bit by bit from IEEE arithmetic, not a C library.
public enum SuspicionTimeout {
    public static func timeout(min: UInt64, max: UInt64, confirmations: Int, expected: Int) -> UInt64 {
        guard expected >= 1, confirmations < expected else { return min }
        guard confirmations > 0, max > min else { return max }
        let fraction = log2(Double(confirmations + 1)) / log2(Double(expected + 1))
        let reduction = UInt64((Double(max - min) * fraction).rounded(.down))
        return Swift.max(min, max - Swift.min(reduction, max - min))
    }

    /// The confirmations to expect in a group of `members` (the node included): Lifeguard's K,
    /// but no more than the members other than the suspect and the first accuser.
    public static func expectedConfirmations(_ independentSuspicions: Int, members: Int) -> Int {
        Swift.max(0, Swift.min(independentSuspicions, members - 2))
    }

    /// log₂(x) for x ≥ 1: the exponent, then the mantissa's bits by repeated squaring.
    static func log2(_ x: Double) -> Double {
        precondition(x >= 1, "log2 here is for x >= 1")
        var result = Double(x.exponent)
        var mantissa = x.significand
        var bit = 0.5
        for _ in 0..<52 {
            mantissa *= mantissa
            if mantissa >= 2 {
                mantissa /= 2
                result += bit
            }
            bit /= 2
        }
        return result
    }
}
