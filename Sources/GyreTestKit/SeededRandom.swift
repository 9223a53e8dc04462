/// A small, fast, deterministic random number generator (SplitMix64) for replayable tests.
///
/// Contract: two generators built with the same seed produce the same sequence on every
/// platform and run, so a failing test can print its seed and be replayed exactly. Not for
/// cryptography. Any seed, including 0, is valid.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    /// The seed this generator started from (print it when a test fails).
    public let seed: UInt64
    private var state: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        self.state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` random bytes.
    public mutating func bytes(count: Int) -> [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(count)
        while result.count < count {
            var word = next()
            for _ in 0..<min(8, count - result.count) {
                result.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        return result
    }
}
