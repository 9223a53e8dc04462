/// A cluster's secret: 32 random bytes drawn at formation, kept in every member's store, under
/// which the nodes seal the contexts they hand to clients (``ContextSeal``).
///
/// Contract: exactly 32 bytes. ``random(using:)`` draws from the generator it is given; the node
/// passes the system's cryptographic generator. ``description`` never shows the bytes, so a
/// secret that reaches a log line stays secret. It travels only in `Replica.Identify` answers on
/// the peer listener, whose authentication is all that protects it.
public struct ClusterSecret: Equatable, Sendable, CustomStringConvertible {
    /// Length of a secret in bytes.
    public static let byteCount = 32

    public let bytes: [UInt8]

    /// From exactly ``byteCount`` bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }

    public static func random<Generator: RandomNumberGenerator>(using generator: inout Generator) -> ClusterSecret {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(byteCount)
        for _ in 0..<(byteCount / 8) {
            let word = generator.next()
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return ClusterSecret(bytes: bytes)!
    }

    public var description: String { "ClusterSecret(\(Self.byteCount) bytes, not shown)" }
}
