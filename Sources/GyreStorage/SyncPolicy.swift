/// When a ``RocksDBEngine`` fsyncs its write-ahead log, and so what a crash can take away.
///
/// The engine opens RocksDB with `manual_wal_flush`: a write appends its WAL record to a buffer
/// in process memory (and applies it to the memtable); nothing reaches the WAL file until the
/// engine calls `rocksdb_flush_wal`, except that RocksDB writes the buffer out (without fsync)
/// whenever it reaches `writable_file_max_buffer_size` (1 MiB by default), and on close. A
/// memtable flush persists its records in an fsynced SST file. Measured with librocksdb 7.8.3:
/// 100 small puts leave the WAL file at 0 bytes; the 1 MiB that overflows the buffer is written
/// in one piece; a process that exits without closing loses exactly the buffered records (see
/// `Tests/GyreStorageTests/RocksDBDurabilityTests.swift`, which copies a live store's files
/// as a SIGKILL would leave them and opens the copy).
///
/// What each policy can lose ("acknowledged" = `update` returned, or its completion ran):
/// - `.always` (the default): **nothing acknowledged**, neither on a process crash (SIGKILL)
///   nor on power loss. Updates are group-committed: each applies its write, then waits for one
///   committer thread that repeatedly takes every waiting update, calls
///   `rocksdb_flush_wal(db, sync: 1)` once and acknowledges them all, so concurrent writers
///   share fsyncs. Updates in flight (not yet acknowledged) may or may not survive.
/// - `.interval(ms)`: updates are acknowledged as soon as they are applied; a thread flushes
///   and fsyncs the WAL every `ms` milliseconds (when something was written). A SIGKILL or power
///   loss loses the updates acknowledged since the last completed sync: at most about `ms`
///   milliseconds of writes plus one sync's duration (beyond 1 MiB of them, the part RocksDB
///   already wrote out survives a SIGKILL but not a power loss).
/// - `.none`: the engine never flushes the WAL on its own. A SIGKILL loses the buffered
///   records: the acknowledged updates since the buffer was last written out, up to 1 MiB of
///   WAL records. A power loss can lose every update not yet in an SST file and not yet written
///   back by the kernel (the WAL file is never fsynced): at most the unflushed memtables (64 MiB
///   each by default, up to two), in practice the last seconds of writes (the kernel writes dirty
///   pages back within about 30 s by default).
///
/// Whatever the policy, a clean ``RocksDBEngine/close()`` flushes and fsyncs the WAL (unless
/// writes are failing), so nothing acknowledged before it is lost.
///
/// Whatever the policy, ``RocksDBEngine/setMetadata(_:_:)`` fsyncs before it returns, and so
/// makes every update applied before it durable too (the WAL is one ordered log).
public enum SyncPolicy: Sendable, Hashable, CustomStringConvertible {
    case always
    case interval(milliseconds: Int)
    case none

    /// The longest interval accepted, in milliseconds (one minute).
    public static let maxIntervalMilliseconds = 60_000

    /// Parses `always`, `interval:MS` (MS in 1…60000) or `none`, the form ``description`` prints.
    public init(parsing text: String) throws(StorageError) {
        switch text {
        case "always": self = .always
        case "none": self = .none
        default:
            let prefix = "interval:"
            if text.hasPrefix(prefix), let milliseconds = Int(text.dropFirst(prefix.count)),
               (1...Self.maxIntervalMilliseconds).contains(milliseconds) {
                self = .interval(milliseconds: milliseconds)
            } else {
                throw StorageError("invalid sync policy \"\(text)\": expected always, interval:MS "
                                       + "(MS a whole number of milliseconds in 1...\(Self.maxIntervalMilliseconds)) or none")
            }
        }
    }

    public var description: String {
        switch self {
        case .always: "always"
        case let .interval(milliseconds): "interval:\(milliseconds)"
        case .none: "none"
        }
    }
}
