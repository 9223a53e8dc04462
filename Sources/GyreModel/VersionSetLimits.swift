/// Caps on one key's ``VersionSet`` that the write path enforces on client writes.
///
/// Contract: ``violation(after:)`` looks at the set a client write would produce and returns
/// nil when it may be stored, or a message telling the client to resolve its siblings (read,
/// merge, write back with the read's context). Only client writes are checked: sync, read
/// repair, handoff and anti-entropy always store the merged set, so caps never block repair.
/// Defaults: 100 values (siblings, tombstones included) and 4 MiB of encoded bytes
/// (``VersionSet/byteSize``); a write whose new event's counter passes
/// ``VersionVector/maxCounter`` (only a forged context can get there) is refused too, so every
/// stored set stays decodable.
public struct VersionSetLimits: Sendable, Equatable {
    /// Most values a key may hold after a client write (default 100).
    public var maxValues: Int
    /// Most encoded bytes a key may hold after a client write (default 4 MiB).
    public var maxBytes: Int

    public init(maxValues: Int = 100, maxBytes: Int = 4 << 20) {
        self.maxValues = maxValues
        self.maxBytes = maxBytes
    }

    /// Why the set a client write produced must not be stored, or nil when it may be.
    public func violation(after update: VersionSet) -> String? {
        if let entry = update.entries.first(where: { $0.counter > VersionVector.maxCounter }) {
            return "the causal context names \(entry.counter) events of one node, above the limit of "
                + "\(VersionVector.maxCounter): send a context this cluster returned"
        }
        let count = update.valueCount
        if count > maxValues {
            return "the key would hold \(count) sibling values, above the limit of \(maxValues): "
                + "read the key, resolve its siblings and write back with the read's context"
        }
        let bytes = update.byteSize
        if bytes > maxBytes {
            return "the key's versions would take \(bytes) bytes, above the limit of \(maxBytes): "
                + "read the key, resolve its siblings and write back with the read's context"
        }
        return nil
    }
}
