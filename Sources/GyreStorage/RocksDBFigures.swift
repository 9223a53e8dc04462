/// The RocksDB properties a node exports, under the names its Stats and metrics use.
///
/// Contract: every property is a database-wide integer property of RocksDB 7.8 or later; a
/// property the library does not know is left out of the reading, not reported as zero. The key
/// estimate is not here: `storage.keys` already reports it.
enum RocksDBFigures {
    static let properties: [(name: String, property: String)] = [
        ("storage.rocksdb.live_sst_files_bytes", "rocksdb.live-sst-files-size"),
        ("storage.rocksdb.memtable_bytes", "rocksdb.cur-size-all-mem-tables"),
        ("storage.rocksdb.immutable_memtables", "rocksdb.num-immutable-mem-table"),
        ("storage.rocksdb.block_cache_bytes", "rocksdb.block-cache-usage"),
        ("storage.rocksdb.pending_compaction_bytes", "rocksdb.estimate-pending-compaction-bytes"),
        ("storage.rocksdb.running_compactions", "rocksdb.num-running-compactions"),
        ("storage.rocksdb.running_flushes", "rocksdb.num-running-flushes"),
        ("storage.rocksdb.write_stopped", "rocksdb.is-write-stopped"),
        ("storage.rocksdb.delayed_write_rate", "rocksdb.actual-delayed-write-rate"),
        ("storage.rocksdb.background_errors", "rocksdb.background-errors"),
    ]
}
