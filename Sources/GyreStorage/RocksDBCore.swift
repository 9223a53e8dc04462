import GyreModel
import Synchronization

/// The working parts of a ``RocksDBEngine``: the database slot, the write path (striped
/// read-modify-write, sync policy, write faults and reopen) and the reads. Jobs on the engine's
/// threads hold this object, never the public engine, so the engine's `deinit` (which closes)
/// never runs on one of its own threads.
final class RocksDBCore: Sendable {
    let directory: String
    let policy: SyncPolicy
    let options: RocksDBOptions
    let families: [String]
    let slot: DatabaseSlot
    let faults = WriteFaultState()
    let tracker = OperationTracker()
    let locks = StripedLocks(count: 256)
    let writes = Atomic<UInt64>(0)
    /// Successful `rocksdb_flush_wal(db, sync: 1)` calls.
    let walSyncs = Atomic<UInt64>(0)
    let reopenBackoff: Duration

    init(directory: String, policy: SyncPolicy, options: RocksDBOptions, families: [String],
         database: RocksDBDatabase, reopenBackoff: Duration) {
        self.directory = directory
        self.policy = policy
        self.options = options
        self.families = families
        slot = DatabaseSlot(database)
        self.reopenBackoff = reopenBackoff
    }

    /// The column family of `partition`'s records: hints apart from data.
    static func family(_ partition: UInt32) -> String {
        partition == StorageKey.hintPartition ? StoreFormat.hints : StoreFormat.data
    }

    // MARK: reads

    func get(_ key: StorageKey) throws(StorageError) -> [UInt8]? {
        try slot.withShared { database, _ throws(StorageError) in
            try read { () throws(RocksDBFailure) in try database.get(Self.family(key.partition), StorageKeyLayout.encode(key)) }
        }
    }

    /// Visits up to `limit` records of `partition` after `after`, in key order.
    func scan<T>(partition: UInt32, after: Key?, limit: Int,
                 _ make: (Key, UnsafeRawBufferPointer) -> T) throws(StorageError) -> [T] {
        guard limit > 0 else { return [] }
        return try slot.withShared { database, _ throws(StorageError) in
            var found: [T] = []
            try read { () throws(RocksDBFailure) in
                try database.forEach(Self.family(partition), from: StorageKeyLayout.scanStart(partition: partition, after: after),
                                     to: StorageKeyLayout.scanEnd(partition: partition)) { key, value in
                    guard let key = StorageKeyLayout.decode(key, partition: partition) else { return false }
                    found.append(make(key, value))
                    return found.count < limit
                }
            }
            return found
        }
    }

    func metadata(_ name: String) throws(StorageError) -> [UInt8]? {
        try slot.withShared { database, _ throws(StorageError) in
            try read { () throws(RocksDBFailure) in try database.get(StoreFormat.meta, Array(name.utf8)) }
        }
    }

    var count: Int {
        (try? slot.withShared { database, _ in
            database.intProperty(StoreFormat.data, "rocksdb.estimate-num-keys").map { Int(clamping: $0) } ?? 0
        }) ?? 0
    }

    /// RocksDB's own figures, by Stats name (see ``StorageEngine/engineFigures``).
    var figures: [(name: String, value: UInt64)] {
        (try? slot.withShared { database, _ in
            RocksDBFigures.properties.compactMap { name, property in
                database.intProperty(property).map { (name: name, value: $0) }
            }
        }) ?? []
    }

    /// A consistent copy of the store in `directory` (see ``StorageEngine/checkpoint(to:)``).
    func checkpoint(to directory: String) throws(StorageError) {
        try slot.withShared { database, _ throws(StorageError) in
            do throws(RocksDBFailure) {
                try database.checkpoint(to: directory)
            } catch {
                throw StorageError("cannot take a checkpoint in \(directory): RocksDB: \(error.text)")
            }
        }
    }

    private func read<T>(_ body: () throws(RocksDBFailure) -> T) throws(StorageError) -> T {
        do { return try body() } catch { throw StorageError("storage read failed: RocksDB: \(error.text)") }
    }

    // MARK: writes

    /// The read-modify-write of `key` under its stripe: applied to the WAL buffer and memtable,
    /// not yet durable. Returns what was stored and the database generation it went to.
    func apply(_ key: StorageKey, _ transform: ([UInt8]?) throws(StorageError) -> [UInt8]?) throws(StorageError) -> (stored: [UInt8]?, generation: UInt64) {
        reopenIfWanted()
        let encoded = StorageKeyLayout.encode(key)
        let family = Self.family(key.partition)
        return try locks.withLock(for: key) { () throws(StorageError) in
            try slot.withShared { database, generation throws(StorageError) in
                let old = try read { () throws(RocksDBFailure) in try database.get(family, encoded) }
                let updated = try transform(old)
                try write(database) { () throws(RocksDBFailure) in
                    if let updated {
                        try database.put(family, encoded, updated)
                    } else {
                        try database.delete(family, encoded)
                    }
                }
                return (updated, generation)
            }
        }
    }

    /// The read-modify-writes of `updates`, in order, as one RocksDB write batch: every update's
    /// key stripe is held from its read until the batch is written, an update sees the updates
    /// before it in the batch (the same key twice reads the first one's result), and one that
    /// throws writes nothing and leaves the others alone. Applied to the WAL buffer and
    /// memtable, not yet durable. Returns each update's outcome (what it stored, or why it
    /// failed: a failed batch write fails every update that would have written) and the
    /// database generation the batch went to.
    func apply(batch updates: [PendingUpdate]) -> (results: [Result<[UInt8]?, StorageError>], generation: UInt64) {
        reopenIfWanted()
        var results = [Result<[UInt8]?, StorageError>](repeating: .failure(.closed), count: updates.count)
        var generation: UInt64 = 0
        do throws(StorageError) {
            try locks.withLocks(for: updates.lazy.map(\.key)) { () throws(StorageError) in
                try slot.withShared { database, current throws(StorageError) in
                    generation = current
                    var written: [StorageKey: [UInt8]?] = [:]
                    written.reserveCapacity(updates.count)
                    var entries: [RocksDBDatabase.BatchEntry] = []
                    entries.reserveCapacity(updates.count)
                    for (index, update) in updates.enumerated() {
                        let encoded = StorageKeyLayout.encode(update.key)
                        let family = Self.family(update.key.partition)
                        do throws(StorageError) {
                            let old: [UInt8]?
                            if let earlier = written[update.key] {
                                old = earlier
                            } else {
                                old = try read { () throws(RocksDBFailure) in try database.get(family, encoded) }
                            }
                            let updated = try update.transform(old)
                            written[update.key] = .some(updated)
                            entries.append(RocksDBDatabase.BatchEntry(family: family, key: encoded, value: updated))
                            results[index] = .success(updated)
                        } catch {
                            results[index] = .failure(error)
                        }
                    }
                    if entries.isEmpty { return }
                    do throws(StorageError) {
                        try write(database) { () throws(RocksDBFailure) in try database.write(entries) }
                    } catch {
                        for index in results.indices where (try? results[index].get()) != nil { results[index] = .failure(error) }
                    }
                }
            }
        } catch {
            // No database to write to (closed, or not reopened after a fault).
            return (updates.map { _ in .failure(error) }, generation)
        }
        return (results, generation)
    }

    /// Makes `writes` applied writes durable per the policy (blocking), then counts them.
    func finish(generation: UInt64, committer: GroupCommitter?, syncer: IntervalSyncer?, writes count: Int = 1) throws(StorageError) {
        switch policy {
        case .always: try committer!.commit(generation: generation).get()
        case .interval: syncer!.noteWrite()
        case .none: faults.clear()
        }
        writes.add(UInt64(count), ordering: .relaxed)
    }

    func setMetadata(_ name: String, _ value: [UInt8]?) throws(StorageError) {
        reopenIfWanted()
        try slot.withShared { database, _ throws(StorageError) in
            try write(database) { () throws(RocksDBFailure) in
                if let value {
                    try database.put(StoreFormat.meta, Array(name.utf8), value)
                } else {
                    try database.delete(StoreFormat.meta, Array(name.utf8))
                }
            }
            try syncWAL(database)
        }
    }

    /// Runs a write on `database`; a failure is a write fault (recorded, and thrown).
    private func write(_ database: RocksDBDatabase, _ body: () throws(RocksDBFailure) -> Void) throws(StorageError) {
        if database.isReadOnly {
            throw fault(StorageError.writeFault("the store is open read-only because reopening it after a write fault failed"))
        }
        do { try body() } catch { throw fault(StorageError.writeFault("RocksDB: \(error.text)")) }
    }

    /// Flushes and fsyncs the WAL of `database`; a success ends any write fault.
    func syncWAL(_ database: RocksDBDatabase) throws(StorageError) {
        if database.isReadOnly {
            throw fault(StorageError.writeFault("the store is open read-only because reopening it after a write fault failed"))
        }
        do {
            try database.flushWAL(sync: true)
        } catch {
            throw fault(StorageError.writeFault("the WAL sync failed: RocksDB: \(error.text)"))
        }
        walSyncs.add(1, ordering: .relaxed)
        faults.clear()
    }

    /// The committer's and the interval thread's sync: the generation synced and the outcome.
    func syncCurrent() -> (generation: UInt64, result: Result<Void, StorageError>) {
        do throws(StorageError) {
            return try slot.withShared { database, generation throws(StorageError) in
                do throws(StorageError) {
                    try syncWAL(database)
                    return (generation, .success(()))
                } catch {
                    return (generation, .failure(error))
                }
            }
        } catch {
            return (0, .failure(error))
        }
    }

    private func fault(_ error: StorageError) -> StorageError {
        faults.record(error.message)
        return error
    }

    /// After a write fault, reopens the store before the next write (at most once per backoff):
    /// RocksDB's C API has no `Resume`, and a database in a background-error state refuses
    /// writes until it is reopened. When the read-write open fails the store is opened read-only
    /// so reads keep working, and a later write tries again.
    func reopenIfWanted() {
        guard faults.claimReopen(backoff: reopenBackoff) else { return }
        slot.withExclusive { database, missing in
            database?.close()
            database = nil
            do throws(RocksDBFailure) {
                database = try RocksDBDatabase.open(path: directory, options: options, families: families, readOnly: false)
                faults.reopened(nil)
                return
            } catch {
                faults.reopened(StorageError.writeFault("reopening the store after a write fault failed: RocksDB: \(error.text)").message)
            }
            do throws(RocksDBFailure) {
                database = try RocksDBDatabase.open(path: directory, options: options, families: families, readOnly: true)
            } catch {
                missing = StorageError("storage unavailable: the store could not be reopened after a write fault: RocksDB: \(error.text)")
            }
        }
    }

    // MARK: close

    /// Syncs what was written (unless writes are failing) and closes the database.
    func closeDatabase() {
        slot.withExclusive { database, missing in
            if let database, !database.isReadOnly, !faults.isFaulted {
                try? database.flushWAL(sync: true)
            }
            database?.close()
            database = nil
            missing = .closed
        }
    }
}
