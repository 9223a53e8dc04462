public import GyreModel

/// A node's local store of records: opaque encoded bytes per (partition, key), plus a few named
/// metadata values for the node itself.
///
/// Contract:
/// - Thread-safe. ``update(_:_:)`` is an atomic read-modify-write per key: no update is lost
///   between the read and the write, whatever else runs concurrently.
/// - Durability: ``update(_:_:)`` returns, and the asynchronous forms complete, only once the
///   write is durable as the engine's sync policy defines it (`SyncPolicy` for RocksDB; never,
///   for ``InMemoryEngine``). ``setMetadata(_:_:)`` is always durable before it returns.
/// - Order: a partition's records are ordered bytewise by key (a key before every key it is a
///   proper prefix of); ``scan(partition:after:limit:)`` and ``digests(partition:after:limit:)``
///   page through them in that order.
/// - Engines know nothing of what the bytes mean (versioning lives above them).
/// - After ``close()`` every operation fails with ``StorageError/closed``.
public protocol StorageEngine: Sendable {
    /// The record at `key`, or nil.
    func get(_ key: StorageKey) throws(StorageError) -> [UInt8]?

    /// Replaces the record at `key` with `transform(old)`; nil from `transform` deletes it, and
    /// a thrown error leaves it unchanged. Blocks until the write is durable per the engine's
    /// sync policy. Returns what was stored. `transform` runs under the key's lock, once: it must
    /// not call the engine.
    @discardableResult
    func update(_ key: StorageKey, _ transform: ([UInt8]?) throws(StorageError) -> [UInt8]?) throws(StorageError) -> [UInt8]?

    /// Number of records held (an engine may document it as an estimate).
    var count: Int { get }

    /// Up to `limit` records of `partition` whose keys are bytewise greater than `after` (all, when
    /// `after` is nil), in key order. Fewer than `limit` means the partition has no more.
    func scan(partition: UInt32, after: Key?, limit: Int) throws(StorageError) -> [StorageRecord]

    /// As ``scan(partition:after:limit:)``, with each value replaced by its ``KeyDigest``.
    func digests(partition: UInt32, after: Key?, limit: Int) throws(StorageError) -> [KeyDigest]

    /// ``get(_:)`` without blocking the caller: `completion` runs exactly once, on a thread of the
    /// engine's choosing (inline for engines that never block).
    func get(_ key: StorageKey, completion: @escaping @Sendable (Result<[UInt8]?, StorageError>) -> Void)

    /// ``update(_:_:)`` without blocking the caller: `completion` runs exactly once, after the
    /// write is durable per the sync policy, on a thread of the engine's choosing (inline for
    /// engines that never block). `completion` must not block: it may hop elsewhere or call
    /// the asynchronous forms, but must not call the synchronous ones.
    func update(_ key: StorageKey, _ transform: @escaping @Sendable ([UInt8]?) throws(StorageError) -> [UInt8]?,
                completion: @escaping @Sendable (Result<[UInt8]?, StorageError>) -> Void)

    /// ``scan(partition:after:limit:)`` without blocking the caller: `completion` runs exactly
    /// once, on a thread of the engine's choosing (inline for engines that never block).
    func scan(partition: UInt32, after: Key?, limit: Int,
              completion: @escaping @Sendable (Result<[StorageRecord], StorageError>) -> Void)

    /// The node metadata value named `name`, or nil.
    func metadata(_ name: String) throws(StorageError) -> [UInt8]?

    /// Sets (nil: removes) the node metadata value named `name`; synced to stable storage before
    /// it returns, whatever the sync policy. `name` must not be empty nor
    /// ``StorageMetadata/formatMarker`` (reserved).
    func setMetadata(_ name: String, _ value: [UInt8]?) throws(StorageError)

    /// Whether writes currently work (see ``StorageHealth``).
    var health: StorageHealth { get }

    /// Counters since the engine was opened (see ``StorageStatistics``).
    var statistics: StorageStatistics { get }

    /// The engine's own gauges, by Stats name (`storage.rocksdb.…`): sizes, compactions, write
    /// stalls. Empty for engines that have none. Cheap enough to read on every scrape.
    var engineFigures: [(name: String, value: UInt64)] { get }

    /// Writes a consistent, openable copy of the store into `directory`, which must not exist,
    /// while the engine keeps serving: every write acknowledged before the call is in the copy.
    /// Throws for engines that cannot (the in-memory engine).
    func checkpoint(to directory: String) throws(StorageError)

    /// Makes everything written durable, releases the store and stops the engine's threads.
    /// Operations already accepted complete first. Idempotent.
    func close()
}

extension StorageEngine {
    /// No engine figures.
    public var engineFigures: [(name: String, value: UInt64)] { [] }

    /// Refuses: this engine keeps nothing on disk to copy.
    public func checkpoint(to directory: String) throws(StorageError) {
        throw StorageError("this storage engine cannot take backups (only the rocksdb engine can)")
    }

    /// Runs ``get(_:)`` inline: right for engines that never block.
    public func get(_ key: StorageKey, completion: @escaping @Sendable (Result<[UInt8]?, StorageError>) -> Void) {
        completion(Result { () throws(StorageError) in try get(key) })
    }

    /// Runs ``scan(partition:after:limit:)`` inline: right for engines that never block.
    public func scan(partition: UInt32, after: Key?, limit: Int,
                     completion: @escaping @Sendable (Result<[StorageRecord], StorageError>) -> Void) {
        completion(Result { () throws(StorageError) in try scan(partition: partition, after: after, limit: limit) })
    }

    /// Runs ``update(_:_:)`` inline: right for engines that never block.
    public func update(_ key: StorageKey, _ transform: @escaping @Sendable ([UInt8]?) throws(StorageError) -> [UInt8]?,
                       completion: @escaping @Sendable (Result<[UInt8]?, StorageError>) -> Void) {
        completion(Result { () throws(StorageError) in try update(key, transform) })
    }

    /// ``scan(partition:after:limit:)`` with each value replaced by its digest.
    public func digests(partition: UInt32, after: Key?, limit: Int) throws(StorageError) -> [KeyDigest] {
        try scan(partition: partition, after: after, limit: limit).map { record in
            KeyDigest(key: record.key, digest: KeyDigest.digest(of: record.value))
        }
    }
}
