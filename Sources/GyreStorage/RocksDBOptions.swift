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

    init(createIfMissing: Bool = false) {
        raw = rocksdb_options_create()
        rocksdb_options_set_create_if_missing(raw, createIfMissing ? 1 : 0)
        rocksdb_options_set_create_missing_column_families(raw, 1)
        rocksdb_options_set_manual_wal_flush(raw, 1)
        rocksdb_options_set_wal_recovery_mode(raw, Int32(rocksdb_point_in_time_recovery))
        rocksdb_options_set_paranoid_checks(raw, 1)
        rocksdb_options_set_info_log_level(raw, 4) // FATAL_LEVEL
        rocksdb_options_set_keep_log_file_num(raw, 4)
        rocksdb_options_enable_statistics(raw)
    }

    deinit { rocksdb_options_destroy(raw) }

    func setCreateIfMissing(_ create: Bool) {
        rocksdb_options_set_create_if_missing(raw, create ? 1 : 0)
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
