/// The binary form of a ``VersionSet`` for storage and replica-to-replica messages.
///
/// Format 0x21:
/// ```
/// [0x21] varint(entryCount) { actor: 16 bytes big-endian, counter: varint, values }*entryCount
///        values   (the anonymous values)
/// values = varint(count) { 0x00 (tombstone) | 0x01 varint(length) bytes }*count
/// ```
/// Actors strictly increase; counters are in 1...``VersionVector/maxCounter`` and never below
/// their entry's number of values; varints are canonical LEB128. Decoding is strict and total:
/// any input either throws ``CausalDecodingError`` or yields a set whose `encode()` is exactly
/// the input; counts and lengths are checked against the bytes left before anything is reserved.
extension DVVSet where Value == StoredValue {
    /// The format byte of the current encoding.
    public static var encodingFormat: UInt8 { 0x21 }

    /// The canonical bytes; `byteSize` long.
    public func encode() -> [UInt8] {
        var bytes: [UInt8] = [Self.encodingFormat]
        bytes.reserveCapacity(byteSize)
        appendVarint(UInt64(entries.count), to: &bytes)
        for entry in entries {
            appendActor(entry.actor, to: &bytes)
            appendVarint(entry.counter, to: &bytes)
            Self.append(entry.values, to: &bytes)
        }
        Self.append(anonymousValues, to: &bytes)
        return bytes
    }

    /// Decodes ``encode()``'s output; throws for anything else, never traps.
    public init(decoding bytes: [UInt8]) throws(CausalDecodingError) {
        var reader = CausalByteReader(bytes)
        let format = try reader.byte()
        guard format == Self.encodingFormat else { throw .unknownFormat(format) }
        // An entry is at least 16 (actor) + 1 (counter) + 1 (value count) bytes.
        let entryCount = try reader.count(minimumItemBytes: 18)
        var entries: [Entry] = []
        entries.reserveCapacity(entryCount)
        for _ in 0..<entryCount {
            let actor = try reader.actor()
            if let last = entries.last, !(last.actor < actor) { throw .unsortedActors }
            let counter = try reader.counter()
            let values = try Self.readValues(from: &reader)
            guard UInt64(values.count) <= counter else { throw .moreValuesThanEvents }
            entries.append(Entry(actor: actor, counter: counter, values: values))
        }
        let anonymous = try Self.readValues(from: &reader)
        try reader.finish()
        self.init(uncheckedEntries: entries, anonymousValues: anonymous)
    }

    private static func append(_ values: [StoredValue], to bytes: inout [UInt8]) {
        appendVarint(UInt64(values.count), to: &bytes)
        for value in values {
            switch value {
            case .tombstone:
                bytes.append(0)
            case let .value(payload):
                bytes.append(1)
                appendVarint(UInt64(payload.count), to: &bytes)
                bytes += payload
            }
        }
    }

    private static func readValues(from reader: inout CausalByteReader) throws(CausalDecodingError) -> [StoredValue] {
        let count = try reader.count(minimumItemBytes: 1)
        var values: [StoredValue] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            let tag = try reader.byte()
            switch tag {
            case 0:
                values.append(.tombstone)
            case 1:
                let length = try reader.varint()
                guard length <= UInt64(reader.remaining) else { throw .truncated }
                values.append(.value(try reader.bytes(count: Int(length))))
            default:
                throw .unknownValueTag(tag)
            }
        }
        return values
    }
}
