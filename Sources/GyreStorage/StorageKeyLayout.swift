import GyreModel

/// How records are laid out in RocksDB's `data` column family: the partition as 4 big-endian
/// bytes, then the key's bytes. Under RocksDB's bytewise comparator one partition is therefore
/// one contiguous range, ordered bytewise by key, and partitions follow each other in number
/// order.
enum StorageKeyLayout {
    static let prefixLength = 4

    /// The 4-byte big-endian form of `partition`.
    static func prefix(_ partition: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: partition >> 24), UInt8(truncatingIfNeeded: partition >> 16),
         UInt8(truncatingIfNeeded: partition >> 8), UInt8(truncatingIfNeeded: partition)]
    }

    /// The data key of `key`.
    static func encode(_ key: StorageKey) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(prefixLength + key.key.bytes.count)
        bytes.append(contentsOf: prefix(key.partition))
        bytes.append(contentsOf: key.key.bytes)
        return bytes
    }

    /// Where a scan of `partition` starts: the first data key strictly after `after` (the
    /// partition's first key when nil). The smallest key greater than K is K followed by 0x00.
    static func scanStart(partition: UInt32, after: Key?) -> [UInt8] {
        var start = prefix(partition)
        if let after {
            start.append(contentsOf: after.bytes)
            start.append(0)
        }
        return start
    }

    /// The exclusive upper bound of `partition`'s range: the next partition's prefix, or nil for
    /// the last partition (whose range runs to the end of the key space).
    static func scanEnd(partition: UInt32) -> [UInt8]? {
        partition == UInt32.max ? nil : prefix(partition + 1)
    }

    /// The key part of a data key of `partition`, or nil when it belongs to another partition.
    static func decode(_ bytes: UnsafeRawBufferPointer, partition: UInt32) -> Key? {
        guard bytes.count >= prefixLength else { return nil }
        let stored = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
        guard stored == partition else { return nil }
        return Key(Array(bytes[prefixLength...]))
    }
}
