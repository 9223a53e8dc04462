public import GyreModel

/// Where a record lives: its partition and its key. A partition's keys form one contiguous range
/// in every engine's layout.
public struct StorageKey: Hashable, Sendable {
    public var partition: UInt32
    public var key: Key

    public init(partition: UInt32, key: Key) {
        self.partition = partition
        self.key = key
    }
}

/// A node's local store of records: opaque encoded bytes per (partition, key).
///
/// Contract: thread-safe. ``update(_:_:)`` is an atomic read-modify-write per key: no update is
/// lost between the read and the write, whatever else runs concurrently. Engines know nothing
/// of what the bytes mean (versioning lives above them).
public protocol StorageEngine: Sendable {
    /// The record at `key`, or nil.
    func get(_ key: StorageKey) throws(StorageError) -> [UInt8]?

    /// Replaces the record at `key` with `transform(old)`; nil from `transform` deletes it, and
    /// a thrown error leaves it unchanged. Returns what was stored.
    @discardableResult
    func update(_ key: StorageKey, _ transform: ([UInt8]?) throws(StorageError) -> [UInt8]?) throws(StorageError) -> [UInt8]?

    /// Number of records held.
    var count: Int { get }
}

/// A storage failure, with a message fit for an operator and a client.
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
