/// What happened in one simulated run, in order: one line per event, and a running hash of
/// every line (FNV-1a, 64 bits).
///
/// Contract: two runs of one seed produce equal traces (same lines, same hash); a run that
/// fails prints its seed and the trace's tail, and replaying the seed reproduces it.
public struct SimulationTrace: Sendable, Equatable {
    /// Every line, oldest first: `<time in µs> <what happened>`.
    public private(set) var lines: [String] = []
    /// FNV-1a over every line's UTF-8 bytes and a separator.
    public private(set) var hash: UInt64 = 0xCBF2_9CE4_8422_2325

    public init() {}

    /// Appends `text` at virtual time `time` (nanoseconds).
    public mutating func record(_ time: UInt64, _ text: String) {
        let line = Self.format(time) + " " + text
        for byte in line.utf8 { mix(byte) }
        mix(0x0A)
        lines.append(line)
    }

    /// The last `count` lines, one per line, for failure reports.
    public func tail(_ count: Int) -> String {
        lines.suffix(count).joined(separator: "\n")
    }

    /// `time` (ns) as milliseconds with three decimals: `12.345ms`.
    public static func format(_ time: UInt64) -> String {
        let micros = time / 1_000
        let fraction = micros % 1_000
        let padded = fraction < 10 ? "00\(fraction)" : fraction < 100 ? "0\(fraction)" : "\(fraction)"
        return "\(micros / 1_000).\(padded)ms"
    }

    private mutating func mix(_ byte: UInt8) {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }
}
