/// What one write left for a key: a value's bytes, or a tombstone from a delete.
///
/// Contract: a tombstone is a real sibling (it has an event and supersedes what its context
/// saw) that reads hide; ``byteSize`` counts payload bytes only (0 for a tombstone).
public enum StoredValue: Sendable, Hashable, CustomStringConvertible {
    case value([UInt8])
    case tombstone

    /// True for a delete's marker.
    public var isTombstone: Bool {
        if case .tombstone = self { return true }
        return false
    }

    /// The bytes of a value; nil for a tombstone.
    public var bytes: [UInt8]? {
        if case let .value(bytes) = self { return bytes }
        return nil
    }

    /// Payload bytes: the value's length, 0 for a tombstone.
    public var byteSize: Int { bytes?.count ?? 0 }

    public var description: String {
        switch self {
        case let .value(bytes): return "value(\(bytes.count) bytes)"
        case .tombstone: return "tombstone"
        }
    }
}

/// One key's versions as a replica stores them and replicas exchange them.
public typealias VersionSet = DVVSet<StoredValue>

extension DVVSet where Value == StoredValue {
    /// The siblings a read returns: every value that is not a tombstone, in ``values`` order.
    public var liveValues: [[UInt8]] { values.compactMap(\.bytes) }

    /// True when a read finds nothing: no values, or only tombstones. The ``context`` still
    /// matters (a write with it supersedes the tombstones).
    public var isDeleted: Bool { values.allSatisfy(\.isTombstone) }

    /// The exact length of ``encode()``'s output: the stored footprint the byte cap limits.
    public var byteSize: Int {
        var size = 1 + varintSize(UInt64(entries.count))
        for entry in entries {
            size += 16 + varintSize(entry.counter) + Self.encodedSize(of: entry.values)
        }
        return size + Self.encodedSize(of: anonymousValues)
    }

    static func encodedSize(of values: [StoredValue]) -> Int {
        values.reduce(varintSize(UInt64(values.count))) { size, value in
            switch value {
            case .tombstone: return size + 1
            case let .value(bytes): return size + 1 + varintSize(UInt64(bytes.count)) + bytes.count
            }
        }
    }
}
