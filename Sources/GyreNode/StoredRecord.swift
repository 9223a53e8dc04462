import GyreModel

/// What the first single-node release stores per key: one version of one value, or a
/// tombstone, with a counter that grows on every write. (Replication replaces this with
/// dotted version vector sets behind the same client contract.)
///
/// Contract: ``encode()`` and ``decode(_:)`` round-trip; the causal context a client sees is
/// ``context``, and ``CausalContext`` bytes that did not come from ``context`` are refused by
/// ``version(of:)``.
struct StoredRecord: Equatable {
    static let format: UInt8 = 1

    var version: UInt64
    var tombstone: Bool
    var value: [UInt8]

    func encode() -> [UInt8] {
        var bytes: [UInt8] = [Self.format]
        bytes.reserveCapacity(10 + value.count)
        Self.appendVersion(version, to: &bytes)
        bytes.append(tombstone ? 1 : 0)
        bytes.append(contentsOf: value)
        return bytes
    }

    static func decode(_ bytes: [UInt8]) -> StoredRecord? {
        guard bytes.count >= 10, bytes[0] == format else { return nil }
        return StoredRecord(version: readVersion(bytes, at: 1), tombstone: bytes[9] != 0, value: Array(bytes[10...]))
    }

    /// The context covering this version.
    var context: CausalContext { Self.context(version: version) }

    static func context(version: UInt64) -> CausalContext {
        var bytes: [UInt8] = [format]
        appendVersion(version, to: &bytes)
        return CausalContext(bytes)
    }

    /// The version a client context names: nil for no context; throws for bytes we never made.
    static func version(of context: CausalContext) throws(RecordError) -> UInt64? {
        if context.isEmpty { return nil }
        guard context.bytes.count == 9, context.bytes[0] == format else { throw RecordError.foreignContext }
        return readVersion(context.bytes, at: 1)
    }

    private static func appendVersion(_ version: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: version >> UInt64(shift))) }
    }

    private static func readVersion(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        var version: UInt64 = 0
        for index in offset..<(offset + 8) { version = version << 8 | UInt64(bytes[index]) }
        return version
    }
}

/// Why a stored record or a context cannot be used.
enum RecordError: Error {
    case foreignContext
}
