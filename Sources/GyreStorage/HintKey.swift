public import GyreModel

/// Where a hint lives: a record of the reserved partition ``StorageKey/hintPartition`` whose key
/// is the intended owner's node id (16 bytes), the record's partition (4 bytes, big-endian), then
/// the record's key. A node's hints for one owner are therefore one contiguous range, in
/// (partition, key) order, which is what handoff scans. Engines keep that partition apart: RocksDB
/// in its `hints` column family, and neither counts it in ``StorageEngine/count``.
///
/// Contract: `StorageKey.hint(owner:for:)` and ``StorageKey/hintTarget`` are inverses; a key of
/// any other partition has no hint target. No data partition can collide (Q ≤ 65536).
extension StorageKey {
    /// The partition number reserved for hints.
    public static let hintPartition = UInt32.max

    /// The hint record of `record`, held for `owner`.
    public static func hint(owner: NodeID, for record: StorageKey) -> StorageKey {
        var bytes = owner.bytes
        bytes.reserveCapacity(20 + record.key.bytes.count)
        bytes.append(contentsOf: StorageKeyLayout.prefix(record.partition))
        bytes.append(contentsOf: record.key.bytes)
        return StorageKey(partition: hintPartition, key: Key(bytes))
    }

    /// Where a scan of `owner`'s hints starts (pass it as `after`: it sorts before all of them).
    public static func hintScanStart(owner: NodeID) -> Key { Key(owner.bytes) }

    /// A key after every hint of `owner` and before the next owner's (pass it as `after` to skip
    /// them): no partition number reaches 2^16.
    public static func hintScanEnd(owner: NodeID) -> Key { Key(owner.bytes + [0, 1, 0, 0]) }

    /// The reserved owner id under which ``repairNeeded(partition:)`` records live: no node has
    /// it, so handoff never delivers them.
    public static let repairOwner = NodeID(high: 0, low: 0)

    /// The record saying that `partition` needs a full repair (a hint for one of its keys was
    /// refused by a cap), kept with the hints; anti-entropy reads it.
    public static func repairNeeded(partition: UInt32) -> StorageKey {
        hint(owner: repairOwner, for: StorageKey(partition: partition, key: Key([0x21])))
    }

    /// True for a hint record's key.
    public var isHint: Bool { partition == Self.hintPartition }

    /// The owner and the record a hint key stands for; nil for any other key.
    public var hintTarget: (owner: NodeID, record: StorageKey)? {
        let bytes = key.bytes
        guard isHint, bytes.count > 20, let owner = NodeID(bytes: Array(bytes[0..<16])) else { return nil }
        let partition = UInt32(bytes[16]) << 24 | UInt32(bytes[17]) << 16 | UInt32(bytes[18]) << 8 | UInt32(bytes[19])
        return (owner, StorageKey(partition: partition, key: Key(Array(bytes[20...]))))
    }
}
