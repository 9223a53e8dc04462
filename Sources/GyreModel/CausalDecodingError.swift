/// Why bytes are not a valid encoding of a ``VersionVector`` or a ``VersionSet``.
///
/// Contract: decoders throw only this error, never trap, on any input; ``description`` is fit for
/// a gRPC `INVALID_ARGUMENT` message (a forged or corrupted context) or a storage error log.
public enum CausalDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes end inside a field.
    case truncated
    /// The first byte names no format this code reads.
    case unknownFormat(UInt8)
    /// Bytes remain after a complete encoding.
    case trailingBytes(count: Int)
    /// A varint with redundant bytes or more than 64 bits.
    case malformedVarint
    /// Actors are not in strictly increasing order (unsorted or duplicated).
    case unsortedActors
    /// A counter of zero (an actor with no event is left out, never written as 0).
    case zeroCounter
    /// A counter above ``VersionVector/maxCounter``.
    case counterTooLarge(UInt64)
    /// A count larger than the bytes that remain could hold.
    case countTooLarge(UInt64)
    /// An actor holds more values than it has events (`values > counter`).
    case moreValuesThanEvents
    /// A stored value with a tag other than value (1) or tombstone (0).
    case unknownValueTag(UInt8)
    /// The encoding of an empty version vector, which is written as zero bytes instead.
    case nonCanonicalEmpty

    public var description: String {
        let what: String
        switch self {
        case .truncated: what = "truncated"
        case let .unknownFormat(byte): what = "unknown format byte \(byte)"
        case let .trailingBytes(count): what = "\(count) bytes after the end"
        case .malformedVarint: what = "malformed varint"
        case .unsortedActors: what = "actors not in strictly increasing order"
        case .zeroCounter: what = "zero counter"
        case let .counterTooLarge(counter): what = "counter \(counter) above the limit \(VersionVector.maxCounter)"
        case let .countTooLarge(count): what = "count \(count) larger than the remaining bytes allow"
        case .moreValuesThanEvents: what = "more values than events for an actor"
        case let .unknownValueTag(tag): what = "unknown value tag \(tag)"
        case .nonCanonicalEmpty: what = "empty version vector written as a format byte (must be zero bytes)"
        }
        return "malformed causal data: " + what
    }
}

// MARK: - byte helpers shared by the causal encodings

/// Appends the unsigned LEB128 form of `value` (canonical: no redundant bytes).
func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
    var rest = value
    while rest >= 0x80 {
        bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
        rest >>= 7
    }
    bytes.append(UInt8(rest))
}

/// The length of ``appendVarint(_:to:)``'s output for `value`.
func varintSize(_ value: UInt64) -> Int {
    var size = 1
    var rest = value >> 7
    while rest != 0 {
        size += 1
        rest >>= 7
    }
    return size
}

/// Appends a node id's 16 big-endian bytes.
func appendActor(_ actor: NodeID, to bytes: inout [UInt8]) {
    for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: actor.high >> UInt64(shift))) }
    for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: actor.low >> UInt64(shift))) }
}

/// A strict cursor over encoded causal data: every read checks the bytes left.
struct CausalByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func byte() throws(CausalDecodingError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// A canonical unsigned LEB128 value of at most 64 bits.
    mutating func varint() throws(CausalDecodingError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            let payload = UInt64(next & 0x7F)
            if shift == 63, payload > 1 { throw .malformedVarint }
            value |= payload << shift
            if next & 0x80 == 0 {
                // A last byte of zero after the first is redundant (non-canonical).
                if next == 0, shift > 0 { throw .malformedVarint }
                return value
            }
            shift += 7
            if shift > 63 { throw .malformedVarint }
        }
    }

    /// A count of items each at least `minimumItemBytes` long, checked against the bytes left so
    /// no decoder reserves or loops for more than the input could hold.
    mutating func count(minimumItemBytes: Int) throws(CausalDecodingError) -> Int {
        let count = try varint()
        guard count <= UInt64(remaining / max(1, minimumItemBytes)) else { throw .countTooLarge(count) }
        return Int(count)
    }

    mutating func actor() throws(CausalDecodingError) -> NodeID {
        guard remaining >= 16 else { throw .truncated }
        var high: UInt64 = 0, low: UInt64 = 0
        for index in offset..<(offset + 8) { high = high << 8 | UInt64(bytes[index]) }
        for index in (offset + 8)..<(offset + 16) { low = low << 8 | UInt64(bytes[index]) }
        offset += 16
        return NodeID(high: high, low: low)
    }

    /// A counter in 1...``VersionVector/maxCounter``.
    mutating func counter() throws(CausalDecodingError) -> UInt64 {
        let counter = try varint()
        if counter == 0 { throw .zeroCounter }
        if counter > VersionVector.maxCounter { throw .counterTooLarge(counter) }
        return counter
    }

    mutating func bytes(count: Int) throws(CausalDecodingError) -> [UInt8] {
        guard count <= remaining else { throw .truncated }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    /// Throws unless every byte has been read.
    func finish() throws(CausalDecodingError) {
        if remaining != 0 { throw .trailingBytes(count: remaining) }
    }
}
