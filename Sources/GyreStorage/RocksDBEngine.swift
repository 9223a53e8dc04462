public import GyreModel
import Synchronization

/// A durable ``StorageEngine`` on RocksDB (librocksdb's C API), one store per directory.
///
/// Contract, beyond ``StorageEngine``:
/// - Layout: column families `data` (records: 4-byte big-endian partition + key bytes, so a
///   partition is one contiguous range in key order), `hints` (the reserved partition ``StorageKey/hintPartition``: see ``StorageKey/hint(owner:for:)``),
///   `meta` (node metadata and the format marker `gyre.format` = `"2"`), plus `default`.
/// - Durability follows the ``SyncPolicy`` given at open (see it for what each policy can lose);
///   ``setMetadata(_:_:)`` always fsyncs.
/// - Updates are atomic per key: a stripe lock (256 stripes by key hash) is held across the
///   read, the transform and the write, and released before waiting for the WAL sync (the WAL
///   is one ordered log, so a later sync covers every earlier record).
/// - Threads: the synchronous forms run on the caller's thread (``update(_:_:)`` then blocks
///   until the group-commit thread's next sync, with `.always`); the asynchronous forms never
///   block the caller: they run on a pool of `threads` threads the engine owns and complete
///   there. Asynchronous updates go to one write job at a time (``UpdateQueue``), which applies
///   each batch of them as one RocksDB write and, with `.always`, syncs the WAL itself before
///   completing them. Completions must not block.
/// - Write faults: a failed write or WAL sync fails the updates it concerns with a
///   ``StorageError/Kind/writeFault`` error and makes ``health`` `.writeFault`; reads keep
///   working. RocksDB then refuses writes until reopened (its C API has no `Resume`), so the next
///   write, at most once per `reopenBackoff`, first reopens the store (read-only if a read-write
///   open fails, so reads still work); ``health`` is `.ok` again after a successful, durable
///   write. Writes thus recover without restarting the process once the fault is gone.
/// - ``count`` is RocksDB's `rocksdb.estimate-num-keys` of `data`: an estimate (overwrites and
///   deletes not yet compacted away can make it too high).
/// - ``statistics``: `writes` counts acknowledged updates; `walSyncs` counts the engine's own
///   successful `rocksdb_flush_wal(db, sync: 1)` calls, the only WAL fsyncs of a store whose
///   memtables fit in memory. RocksDB's `rocksdb.wal.synced` ticker agrees (each call counts
///   one, measured with 7.8.3, and a test checks it) and also counts the WAL syncs RocksDB makes
///   itself when it switches memtables, but reading it means rendering every statistic as text
///   (about 0.3 ms), too slow for a counter read per request; ``walSyncedTicker`` reads it when
///   the store was opened with `rocksDBStatistics` (off by default: statistics cost every call).
/// - ``close()`` waits for accepted operations, syncs the WAL, closes the store and stops the
///   threads; it is idempotent and `deinit` calls it. It must not be called from a completion.
public final class RocksDBEngine: StorageEngine {
    private let core: RocksDBCore
    private let pool: WorkerPool
    private let committer: GroupCommitter?
    private let syncer: IntervalSyncer?
    private let updates: UpdateQueue
    private let closed = Mutex(false)

    /// The directory of the store.
    public var directory: String { core.directory }

    /// The sync policy the store was opened with.
    public var syncPolicy: SyncPolicy { core.policy }

    /// Opens the Gyre store in `directory`, creating the directory and the store when it is
    /// missing or empty. Refuses, with a message for the operator and without changing anything,
    /// a directory that is not empty and not a Gyre store, a store of a newer format, or one
    /// RocksDB cannot open or recover (RocksDB's own error text included). A torn WAL tail left
    /// by a crash is recovered up to the last complete record (point-in-time recovery).
    /// - Parameters:
    ///   - threads: the pool that runs the asynchronous forms.
    ///   - reopenBackoff: the least time between two attempts to reopen after a write fault.
    public static func open(directory: String, sync: SyncPolicy = .always, threads: Int = 4,
                            reopenBackoff: Duration = .seconds(1),
                            rocksDBStatistics: Bool = false) throws(StorageError) -> RocksDBEngine {
        let prepared = try StoreDirectory.prepare(directory)
        let options = RocksDBOptions(createIfMissing: prepared.isNew, statistics: rocksDBStatistics)
        let database: RocksDBDatabase
        do {
            database = try RocksDBDatabase.open(path: directory, options: options, families: prepared.families, readOnly: false)
        } catch {
            let hint = error.text.contains("lock") ? " (is another gyre-node using this directory?)" : ""
            throw StorageError("cannot open the store at \(directory): RocksDB: \(error.text)\(hint)")
        }
        options.setCreateIfMissing(false)
        if prepared.isNew {
            do {
                try database.put(StoreFormat.meta, StoreFormat.markerKey, StoreFormat.markerValue)
                try database.flushWAL(sync: true)
            } catch {
                database.close()
                throw StorageError("cannot create the store at \(directory): writing its format marker failed: RocksDB: \(error.text)")
            }
        }
        let core = RocksDBCore(directory: directory, policy: sync, options: options, families: prepared.families,
                               database: database, reopenBackoff: reopenBackoff)
        return RocksDBEngine(core: core, threads: threads)
    }

    private init(core: RocksDBCore, threads: Int) {
        self.core = core
        pool = WorkerPool(threads: threads, name: "gyre-storage", prepareThread: RocksDBOptions.prepareThread)
        let committer: GroupCommitter?
        let syncer: IntervalSyncer?
        switch core.policy {
        case .always:
            committer = GroupCommitter(name: "gyre-commit") { core.syncCurrent() }
            syncer = nil
        case let .interval(milliseconds):
            committer = nil
            syncer = IntervalSyncer(name: "gyre-wal-sync", milliseconds: milliseconds) { _ = core.syncCurrent() }
        case .none:
            committer = nil
            syncer = nil
        }
        self.committer = committer
        self.syncer = syncer
        updates = UpdateQueue(pool: pool, apply: { batch in Self.applyBatch(batch, core: core, syncer: syncer) },
                              refused: { stranded in
                                  for update in stranded {
                                      core.tracker.end()
                                      update.completion(.failure(.closed))
                                  }
                              })
    }

    deinit { close() }

    // MARK: synchronous forms

    public func get(_ key: StorageKey) throws(StorageError) -> [UInt8]? {
        guard core.tracker.begin() else { throw StorageError.closed }
        defer { core.tracker.end() }
        return try core.get(key)
    }

    @discardableResult
    public func update(_ key: StorageKey, _ transform: ([UInt8]?) throws(StorageError) -> [UInt8]?) throws(StorageError) -> [UInt8]? {
        guard core.tracker.begin() else { throw StorageError.closed }
        defer { core.tracker.end() }
        let applied = try core.apply(key, transform)
        try core.finish(generation: applied.generation, committer: committer, syncer: syncer)
        return applied.stored
    }

    public var count: Int { core.count }

    public func scan(partition: UInt32, after: Key?, limit: Int) throws(StorageError) -> [StorageRecord] {
        guard core.tracker.begin() else { throw StorageError.closed }
        defer { core.tracker.end() }
        return try core.scan(partition: partition, after: after, limit: limit) { key, value in
            StorageRecord(key: key, value: Array(value))
        }
    }

    public func digests(partition: UInt32, after: Key?, limit: Int) throws(StorageError) -> [KeyDigest] {
        guard core.tracker.begin() else { throw StorageError.closed }
        defer { core.tracker.end() }
        return try core.scan(partition: partition, after: after, limit: limit) { key, value in
            KeyDigest(key: key, digest: KeyHash.xxh64(value, seed: 0))
        }
    }

    public func metadata(_ name: String) throws(StorageError) -> [UInt8]? {
        guard core.tracker.begin() else { throw StorageError.closed }
        defer { core.tracker.end() }
        return try core.metadata(name)
    }

    public func setMetadata(_ name: String, _ value: [UInt8]?) throws(StorageError) {
        try StorageMetadata.validateSettable(name)
        guard core.tracker.begin() else { throw StorageError.closed }
        defer { core.tracker.end() }
        try core.setMetadata(name, value)
    }

    // MARK: asynchronous forms

    public func get(_ key: StorageKey, completion: @escaping @Sendable (Result<[UInt8]?, StorageError>) -> Void) {
        guard core.tracker.begin() else { return completion(.failure(.closed)) }
        pool.submit { [core] in
            let result = Result { () throws(StorageError) in try core.get(key) }
            core.tracker.end()
            completion(result)
        }
    }

    public func scan(partition: UInt32, after: Key?, limit: Int,
                     completion: @escaping @Sendable (Result<[StorageRecord], StorageError>) -> Void) {
        guard core.tracker.begin() else { return completion(.failure(.closed)) }
        pool.submit { [core] in
            let result = Result { () throws(StorageError) in
                try core.scan(partition: partition, after: after, limit: limit) { key, value in
                    StorageRecord(key: key, value: Array(value))
                }
            }
            core.tracker.end()
            completion(result)
        }
    }

    /// Queued for the engine's write job (``UpdateQueue``): the updates that arrive while it works
    /// are applied together, as one RocksDB write, and wait for one sync.
    public func update(_ key: StorageKey, _ transform: @escaping @Sendable ([UInt8]?) throws(StorageError) -> [UInt8]?,
                       completion: @escaping @Sendable (Result<[UInt8]?, StorageError>) -> Void) {
        guard core.tracker.begin() else { return completion(.failure(.closed)) }
        updates.submit(PendingUpdate(key: key, transform: transform, completion: completion))
    }

    /// The write job's work on one batch: applies it, makes it durable per the policy, then
    /// completes each update (a failed one at once). With `.always` the job syncs the WAL itself
    /// as soon as the batch is applied, with no hand-off to another thread; updates that arrive
    /// meanwhile make the next batch. It does not wait for more writers before syncing: measured
    /// on the single-node Put bench (100 calls in flight), holding the sync to gather for up to
    /// 1 ms (or until as many writes as the last sync covered) doubled writes per fsync but cut
    /// throughput from about 75k to 47–57k ops/s, because every write in the batch waits out the
    /// gathering; on the 3-node bench it saved about 5 % of CPU per op and no throughput.
    private static func applyBatch(_ batch: [PendingUpdate], core: RocksDBCore,
                                   syncer: IntervalSyncer?) {
        var waiting: [(update: PendingUpdate, stored: [UInt8]?)] = []
        waiting.reserveCapacity(batch.count)
        let applied = core.apply(batch: batch)
        for (update, result) in zip(batch, applied.results) {
            switch result {
            case let .success(stored): waiting.append((update, stored))
            case let .failure(error):
                core.tracker.end()
                update.completion(.failure(error))
            }
        }
        if waiting.isEmpty { return }
        let durable: Result<Void, StorageError>
        if case .always = core.policy {
            durable = GroupCommitter.outcome(core.syncCurrent(), for: applied.generation)
            // Counted before any completion runs, so a completion sees its own write counted.
            if case .success = durable { core.writes.add(UInt64(waiting.count), ordering: .relaxed) }
        } else {
            durable = Result { () throws(StorageError) in
                try core.finish(generation: applied.generation, committer: nil, syncer: syncer, writes: waiting.count)
            }
        }
        for (update, stored) in waiting {
            core.tracker.end()
            update.completion(durable.map { stored })
        }
    }

    // MARK: state

    public var health: StorageHealth { core.faults.health }

    public var statistics: StorageStatistics {
        StorageStatistics(writes: core.writes.load(ordering: .relaxed),
                          walSyncs: core.walSyncs.load(ordering: .relaxed),
                          writeFaults: core.faults.faults, reopens: core.faults.reopens)
    }

    public var engineFigures: [(name: String, value: UInt64)] { core.figures }

    public func checkpoint(to directory: String) throws(StorageError) {
        guard core.tracker.begin() else { throw StorageError.closed }
        defer { core.tracker.end() }
        try core.checkpoint(to: directory)
    }

    /// RocksDB's own `rocksdb.wal.synced` ticker since open (slow: renders all statistics); nil
    /// unless the store was opened with `rocksDBStatistics`.
    public var walSyncedTicker: UInt64? { core.options.ticker("rocksdb.wal.synced") }

    public func close() {
        closed.withLock { closed in
            if closed { return }
            closed = true
            core.tracker.closeAndWait()
            pool.shutdown()
            committer?.shutdown()
            syncer?.shutdown()
            core.closeDatabase()
        }
    }
}
