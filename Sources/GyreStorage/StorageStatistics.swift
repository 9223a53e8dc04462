/// Counters an engine keeps since it was opened.
///
/// Contract: every count only grows while the engine is open.
/// - `writes`: updates acknowledged as successful (sync and async forms).
/// - `walSyncs`: fsyncs of the write-ahead log (0 for engines without one).
/// - `writeFaults`: writes or WAL syncs that failed.
/// - `reopens`: times the engine reopened its store to recover from a write fault.
public struct StorageStatistics: Sendable, Equatable {
    public var writes: UInt64
    public var walSyncs: UInt64
    public var writeFaults: UInt64
    public var reopens: UInt64

    public init(writes: UInt64 = 0, walSyncs: UInt64 = 0, writeFaults: UInt64 = 0, reopens: UInt64 = 0) {
        self.writes = writes
        self.walSyncs = walSyncs
        self.writeFaults = writeFaults
        self.reopens = reopens
    }
}
