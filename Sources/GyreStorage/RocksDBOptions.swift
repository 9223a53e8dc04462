import CRocksDB

/// The RocksDB options every Gyre store is opened with, and the statistics they collect.
///
/// - `manual_wal_flush`: WAL records stay in a process-memory buffer until the engine flushes
///   them (see ``SyncPolicy``); writes use `sync = 0`.
/// - `wal_recovery_mode = kPointInTimeRecovery`: recovery replays the WAL up to the first record
///   it cannot read and stops there, so a torn tail (a record cut short, garbage, or the zeroed
///   blocks a filesystem may leave after a crash) is dropped and the store opens with every
///   record before it. Measured with 7.8.3: `kTolerateCorruptedTailRecords` refuses a tail of
///   zeroes ("checksum mismatch") and `kAbsoluteConsistency` any torn tail; point-in-time
///   accepts all three. Synced records always precede the torn part, so none is lost.
/// - `paranoid_checks`: RocksDB verifies what it reads aggressively and stops writes on errors.
/// - `info_log_level = FATAL`: Debian's librocksdb 7.8.3 is built with assertions, and its info
///   LOG writer aborts the process on the append after a failed one (`Assertion
///   'sync_without_flush_called_' failed`, measured on a full tmpfs): with the LOG in the store's
///   directory, a full disk would kill the node instead of failing writes. Only fatal messages
///   are logged; write failures reach the node through ``StorageError`` and ``StorageHealth``.
/// - statistics on, for the `rocksdb.wal.synced` ticker.
final class RocksDBOptions: @unchecked Sendable {
    let raw: OpaquePointer
    /// The options of the `data` column family: ``raw`` plus a memtable hashed by partition (see
    /// ``partitionMemtable(_:)``).
    let data: OpaquePointer

    /// `statistics`: keep RocksDB's statistics (its tickers); they cost a few percent of every
    /// operation (measured ~2 µs of ~40 µs per node-level put), so only tests ask for them.
    init(createIfMissing: Bool = false, statistics: Bool = false) {
        raw = rocksdb_options_create()
        rocksdb_options_set_create_if_missing(raw, createIfMissing ? 1 : 0)
        rocksdb_options_set_create_missing_column_families(raw, 1)
        rocksdb_options_set_manual_wal_flush(raw, 1)
        rocksdb_options_set_wal_recovery_mode(raw, Int32(rocksdb_point_in_time_recovery))
        rocksdb_options_set_paranoid_checks(raw, 1)
        rocksdb_options_set_info_log_level(raw, 4) // FATAL_LEVEL
        rocksdb_options_set_keep_log_file_num(raw, 4)
        if statistics { rocksdb_options_enable_statistics(raw) }
        Self.tune(raw)
        // A hashed memtable takes one writer at a time; RocksDB's write group leader then inserts
        // the whole group's records itself.
        rocksdb_options_set_allow_concurrent_memtable_write(raw, 0)
        data = rocksdb_options_create_copy(raw)
        Self.partitionMemtable(data)
    }

    /// The options a column family is opened with: `data` gets ``data``, the others ``raw``.
    func family(_ name: String) -> OpaquePointer {
        name == StoreFormat.data ? data : raw
    }

    /// The `data` family's memtable: a hash of skip lists keyed by the record's 4-byte partition
    /// prefix (``StorageKeyLayout``), instead of one skip list over every record.
    ///
    /// Why: records arrive in random partition order, so each insert into one big skip list
    /// (about 300,000 records in a 64 MiB memtable) walks about 18 levels of nodes that are
    /// never in cache: profiled at 12 % of a node's CPU under a Put load on 3 nodes, more than
    /// the WAL fsync. Hashed by partition, an insert finds its partition's short list in one
    /// step. Every read of `data` stays within one partition (a get by key, a scan bounded by the
    /// next partition's prefix; see ``RocksDBDatabase/forEach(_:from:to:_:)`` for the one
    /// unbounded walk), which is exactly what a prefix-hashed memtable serves. The prefix
    /// extractor also gives the tables a prefix bloom filter, next to the whole-key one. The
    /// lists are 12 levels high, so a partition holding far more records than usual (a small
    /// ring, a hot partition) still finds them in logarithmic time.
    ///
    /// Its memtables keep RocksDB's default size, 64 MiB. 16 MiB was tried (a smaller memtable
    /// keeps more of its lists in cache) and did not hold up in an alternated 3-node run of 4
    /// rounds: Get CPU per op was higher in every round (+3 % to +26 %, as more and smaller
    /// level-0 tables pile up under the Put load), Put CPU per op higher in 3 of 4.
    private static func partitionMemtable(_ raw: OpaquePointer) {
        rocksdb_options_set_prefix_extractor(raw, rocksdb_slicetransform_create_fixed_prefix(StorageKeyLayout.prefixLength))
        rocksdb_options_set_hash_skip_list_rep(raw, 16_384, 12, 4)
    }

    /// Run once on every engine thread that calls into RocksDB, before its first call: turns off
    /// RocksDB's per-thread performance counters (`PerfLevel::kDisable`; the default,
    /// `kEnableCount`, counts every key comparison in a thread-local context). Nothing reads
    /// those counters, and with the library loaded as a shared object each count is a
    /// thread-local lookup through `__tls_get_addr`: callgrind counted one per key comparison,
    /// about 20 comparisons per memtable insert (two skip-list walks in Debian's build, which
    /// keeps its assertions). RocksDB's statistics (tickers) are a separate switch and stay as
    /// they were.
    static func prepareThread() {
        rocksdb_set_perf_level(Int32(rocksdb_disable))
    }

    /// Read and write tuning for a store of small records read back by key:
    /// - a full bloom filter (10 bits per key) in every table, and whole-key filtering in the
    ///   memtable: a coordinator's read-modify-write of a fresh key looks for a key that is not
    ///   there, and without filters that costs a look into every table (measured: CPU per write
    ///   grew round after round as tables accumulated);
    /// - a 64 MiB block cache; LZ4 compression; background work on two threads.
    private static func tune(_ raw: OpaquePointer) {
        let table = rocksdb_block_based_options_create()
        rocksdb_block_based_options_set_filter_policy(table, rocksdb_filterpolicy_create_bloom_full(10))
        let cache = rocksdb_cache_create_lru(64 << 20)
        rocksdb_block_based_options_set_block_cache(table, cache)
        rocksdb_block_based_options_set_format_version(table, 5)
        rocksdb_options_set_block_based_table_factory(raw, table)
        // The table options hold their own references to the cache and the filter policy.
        rocksdb_cache_destroy(cache)
        rocksdb_block_based_options_destroy(table)
        rocksdb_options_set_memtable_prefix_bloom_size_ratio(raw, 0.1)
        rocksdb_options_set_memtable_whole_key_filtering(raw, 1)
        rocksdb_options_set_compression(raw, Int32(rocksdb_lz4_compression))
        rocksdb_options_increase_parallelism(raw, 2)
    }

    deinit {
        rocksdb_options_destroy(data)
        rocksdb_options_destroy(raw)
    }

    func setCreateIfMissing(_ create: Bool) {
        rocksdb_options_set_create_if_missing(raw, create ? 1 : 0)
        rocksdb_options_set_create_if_missing(data, create ? 1 : 0)
    }

    /// The count of the statistics ticker `name` (e.g. `rocksdb.wal.synced`), or nil.
    func ticker(_ name: String) -> UInt64? {
        guard let text = rocksdb_options_statistics_get_string(raw) else { return nil }
        defer { rocksdb_free(text) }
        let prefix = name + " COUNT : "
        for line in String(cString: text).split(separator: "\n") where line.hasPrefix(prefix) {
            return UInt64(line.dropFirst(prefix.count).prefix { $0.isNumber })
        }
        return nil
    }
}
