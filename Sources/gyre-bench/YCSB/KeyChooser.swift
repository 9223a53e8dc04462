import Foundation

/// YCSB's key choosers over records 0..<count: uniform, zipfian (scrambled, so the popular keys
/// are spread over the keyspace) and latest (the newest records most popular).
///
/// Contract: the zipfian generator is YCSB's (Gray et al., "Quickly generating billion-record
/// synthetic databases"), with YCSB's constant 0.99; the scrambled form hashes the drawn rank
/// with 64-bit FNV-1a, as YCSB's ScrambledZipfianGenerator does; latest draws a zipfian distance
/// back from the newest record (SkewedLatestGenerator). Each worker holds its own chooser (not
/// thread-safe), seeded apart.
struct KeyChooser {
    enum Distribution: String, CaseIterable, Sendable {
        case uniform, zipfian, latest
    }

    let distribution: Distribution
    private var random: SplitMix64
    private var zipf: Zipfian

    init(_ distribution: Distribution, records: Int, seed: UInt64, zeta: Double? = nil) {
        self.distribution = distribution
        random = SplitMix64(seed: seed)
        zipf = Zipfian(items: max(1, records), zetan: zeta)
    }

    /// A record in 0..<`records` (the number of records inserted so far, for latest).
    mutating func next(records: Int) -> Int {
        let count = max(1, records)
        switch distribution {
        case .uniform:
            return Int(random.next() % UInt64(count))
        case .zipfian:
            let rank = zipf.next(&random, items: count)
            return Int(FNV.hash64(UInt64(rank)) % UInt64(count))
        case .latest:
            let back = zipf.next(&random, items: count)
            return count - 1 - min(back, count - 1)
        }
    }
}

/// YCSB's zipfian rank generator over 0..<items, with θ = 0.99.
struct Zipfian {
    static let theta = 0.99
    private(set) var items: Int
    private var zetan: Double
    private let zeta2: Double
    private let alpha: Double
    private var eta: Double

    /// ζ(n, θ) = Σ 1/i^θ for i in 1...n (computed once: O(n)).
    static func zeta(_ n: Int) -> Double {
        var sum = 0.0
        for i in 0..<n { sum += 1 / pow(Double(i + 1), theta) }
        return sum
    }

    init(items: Int, zetan: Double? = nil) {
        self.items = items
        self.zetan = zetan ?? Self.zeta(items)
        zeta2 = Self.zeta(2)
        alpha = 1 / (1 - Self.theta)
        eta = (1 - pow(2.0 / Double(items), 1 - Self.theta)) / (1 - zeta2 / self.zetan)
    }

    /// A rank in 0..<`count` (0 the most popular). When the item count grew (inserts), ζ is
    /// extended incrementally, as YCSB does.
    mutating func next(_ random: inout SplitMix64, items count: Int) -> Int {
        if count > items {
            for i in items..<count { zetan += 1 / pow(Double(i + 1), Self.theta) }
            items = count
            eta = (1 - pow(2.0 / Double(items), 1 - Self.theta)) / (1 - zeta2 / zetan)
        }
        let u = Double(random.next() >> 11) / Double(1 << 53)
        let uz = u * zetan
        if uz < 1 { return 0 }
        if uz < 1 + pow(0.5, Self.theta) { return min(1, count - 1) }
        return min(count - 1, Int(Double(items) * pow(eta * u - eta + 1, alpha)))
    }
}

/// A small, fast, seedable generator (SplitMix64).
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// 64-bit FNV-1a over the eight bytes of a value (YCSB's scrambling hash).
enum FNV {
    static func hash64(_ value: UInt64) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        var rest = value
        for _ in 0..<8 {
            hash ^= rest & 0xFF
            hash = hash &* 0x0000_0100_0000_01B3
            rest >>= 8
        }
        return hash
    }
}
