/// The compact binary form of a ``VersionVector``; the causal context clients carry is this
/// form's body sealed for its key and cluster by ``ContextSeal`` (format 0x12), never this alone.
///
/// Format 0x11: `[0x11] varint(count) { actor: 16 bytes big-endian, counter: varint }*count`,
/// actors strictly increasing, counters in 1...``VersionVector/maxCounter``, varints canonical
/// LEB128. The empty vector is zero bytes (as its sealed context is), so "no context" and "the
/// context of nothing" are the same empty ``CausalContext``. Decoding is strict (no trailing bytes, no unsorted or duplicate
/// actors, no zero counters, no count the bytes cannot hold), so every accepted input is exactly
/// `encode()` of its result.
extension VersionVector {
    /// The format byte of the current encoding.
    public static let encodingFormat: UInt8 = 0x11

    /// The canonical bytes: zero bytes for the empty vector.
    public func encode() -> [UInt8] {
        if isEmpty { return [] }
        var bytes: [UInt8] = [Self.encodingFormat]
        bytes.reserveCapacity(1 + 10 + count * 26)
        appendEntries(to: &bytes)
        return bytes
    }

    /// Decodes ``encode()``'s output; throws for anything else, never traps.
    public init(decoding bytes: [UInt8]) throws(CausalDecodingError) {
        if bytes.isEmpty {
            self.init()
            return
        }
        var reader = CausalByteReader(bytes)
        let format = try reader.byte()
        guard format == Self.encodingFormat else { throw .unknownFormat(format) }
        let decoded = try Self.readEntries(from: &reader)
        if decoded.isEmpty { throw .nonCanonicalEmpty }
        try reader.finish()
        self = decoded
    }

    // MARK: shared with the version set encoding

    /// `varint(count) {actor, counter}*`.
    func appendEntries(to bytes: inout [UInt8]) {
        appendVarint(UInt64(count), to: &bytes)
        for (actor, counter) in entries {
            appendActor(actor, to: &bytes)
            appendVarint(counter, to: &bytes)
        }
    }

    static func readEntries(from reader: inout CausalByteReader) throws(CausalDecodingError) -> VersionVector {
        let count = try reader.count(minimumItemBytes: 17)
        var dots: [Dot] = []
        dots.reserveCapacity(count)
        for _ in 0..<count {
            let actor = try reader.actor()
            if let last = dots.last, !(last.actor < actor) { throw .unsortedActors }
            dots.append(Dot(actor: actor, counter: try reader.counter()))
        }
        return VersionVector(uncheckedSortedDots: dots)
    }
}
