/// A node's identity: a random 128-bit UUID (version 4), created the first time a node starts on
/// an empty data directory.
///
/// Contract: compared and ordered by its 128 bits (high then low); the text form is the usual
/// 8-4-4-4-12 lower-case hex; ``random(using:)`` draws from the generator it is given (pure code
/// never reads a random source of its own).
public struct NodeID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// A version-4 UUID from `generator`.
    public static func random<Generator: RandomNumberGenerator>(using generator: inout Generator) -> NodeID {
        let high = (generator.next() & ~0xF000) | 0x4000          // version 4
        let low = (generator.next() & ~(0xC << 60)) | (0x8 << 60)  // variant 10
        return NodeID(high: high, low: low)
    }

    /// Parses the 8-4-4-4-12 hex form (either case).
    public init?(_ text: String) {
        let hex = text.utf8.filter { $0 != UInt8(ascii: "-") }
        guard hex.count == 32, text.utf8.count == 36 else { return nil }
        var value: (UInt64, UInt64) = (0, 0)
        for (index, char) in hex.enumerated() {
            let digit: UInt64
            switch char {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(char - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt64(char - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt64(char - UInt8(ascii: "A") + 10)
            default: return nil
            }
            if index < 16 { value.0 = value.0 << 4 | digit } else { value.1 = value.1 << 4 | digit }
        }
        self.init(high: value.0, low: value.1)
    }

    /// The 16 bytes, big-endian (high then low).
    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64($0))) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64($0))) }
    }

    /// From 16 big-endian bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        for index in 0..<8 { high = high << 8 | UInt64(bytes[index]) }
        for index in 8..<16 { low = low << 8 | UInt64(bytes[index]) }
        self.init(high: high, low: low)
    }

    public static func < (lhs: NodeID, rhs: NodeID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
