/// Holds the engine's current ``RocksDBDatabase`` and lets many operations use it at once while
/// a reopen or a close replaces it alone (a shared/exclusive gate that prefers the exclusive side,
/// so a reopen is not starved by a steady stream of reads).
///
/// Contract: ``withShared(_:)`` runs its body with the database and its generation, a number
/// that grows with every replacement; no replacement happens while a body runs. Bodies must not
/// call back into the slot. Without a database (the store could not be reopened at all, or is
/// closed) ``withShared(_:)`` throws the reason.
final class DatabaseSlot: @unchecked Sendable {
    private let monitor = Monitor()
    private var database: RocksDBDatabase?
    private var missing = StorageError.closed
    private var generation: UInt64 = 1
    private var users = 0
    private var exclusive = false

    init(_ database: RocksDBDatabase) {
        self.database = database
    }

    func withShared<R>(_ body: (RocksDBDatabase, UInt64) throws(StorageError) -> R) throws(StorageError) -> R {
        monitor.lock()
        while exclusive { monitor.wait() }
        guard let database else {
            let error = missing
            monitor.unlock()
            throw error
        }
        users += 1
        let generation = generation
        monitor.unlock()
        defer {
            monitor.lock()
            users -= 1
            if users == 0 && exclusive { monitor.broadcast() }
            monitor.unlock()
        }
        return try body(database, generation)
    }

    /// Runs `body` alone; it may replace the database (nil, with the error operations will then
    /// see). A replacement starts a new generation.
    func withExclusive(_ body: (inout RocksDBDatabase?, inout StorageError) -> Void) {
        monitor.lock()
        while exclusive { monitor.wait() }
        exclusive = true
        while users > 0 { monitor.wait() }
        let before = database
        monitor.unlock()
        var current = before
        var reason = missing
        body(&current, &reason)
        monitor.lock()
        if current !== before { generation += 1 }
        database = current
        missing = reason
        exclusive = false
        monitor.broadcast()
        monitor.unlock()
    }
}
