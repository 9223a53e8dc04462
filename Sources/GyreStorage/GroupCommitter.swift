/// Group commit for ``SyncPolicy/always``'s synchronous updates: writers that have applied their
/// write register here, and one committer thread repeatedly takes every registered writer, syncs
/// the WAL once and wakes them all with its outcome. (Asynchronous updates are synced by the
/// engine's write job itself, by the same rules: see `RocksDBEngine`.)
///
/// Contract: a writer is completed only by a sync that began after it registered; since it
/// registers after its write reached the WAL buffer, and the WAL is one ordered log, that sync
/// covers its record. A writer registered against database generation G (see `DatabaseSlot`)
/// is failed, never acknowledged, by a sync of another generation: its record was in a database
/// instance that has since been closed after a write fault. Waiters wait on a condition variable.
/// ``shutdown()`` completes every registered writer (with a final sync), then joins the thread.
///
/// Gathering: when the previous batch held more than one writer (writers are concurrent), the
/// committer lets a batch grow while registrations keep arriving less than ``gatherQuiet`` apart,
/// for at most ``gatherLimit``, before it syncs. Threads just woken by the previous sync need a
/// moment to apply their next write, and an fsync is short next to that on a busy machine: 50
/// writer threads on 2 cores (`GroupCommitTests`) made 0.17–0.24 syncs per write without
/// gathering and 0.05–0.10 with it. A lone writer (batches of one) never waits.
final class GroupCommitter: @unchecked Sendable {
    /// What a sync did: the generation it synced, and whether it succeeded.
    typealias Sync = @Sendable () -> (generation: UInt64, result: Result<Void, StorageError>)

    private final class Waiter {
        let generation: UInt64
        var result: Result<Void, StorageError>?

        init(generation: UInt64) { self.generation = generation }
    }

    private static let work = 0
    private static let done = 1

    private let monitor = Monitor(conditions: 2)
    private let sync: Sync
    private var pending: [Waiter] = []
    private var stopping = false
    private var thread: EngineThread?
    private var lastBatchSize = 0

    /// The longest pause between registrations that still extends a gathering batch.
    static let gatherQuiet: UInt64 = 100_000
    /// The longest a batch is gathered.
    static let gatherLimit: Duration = .milliseconds(1)

    init(name: String, sync: @escaping Sync) {
        self.sync = sync
        thread = EngineThread(name: name) { [self] in run() }
    }

    /// Blocks until a sync covering a write made in `generation` completed; its outcome.
    func commit(generation: UInt64) -> Result<Void, StorageError> {
        let waiter = Waiter(generation: generation)
        monitor.lock()
        defer { monitor.unlock() }
        if stopping { return .failure(.closed) }
        pending.append(waiter)
        monitor.signal(Self.work)
        while waiter.result == nil { monitor.wait(Self.done) }
        return waiter.result!
    }

    /// What `sync` means for a write made in `generation`: its result, except that a successful
    /// sync of another database instance does not cover the write (its record was in an instance
    /// closed after a write fault).
    static func outcome(_ sync: (generation: UInt64, result: Result<Void, StorageError>),
                        for generation: UInt64) -> Result<Void, StorageError> {
        if sync.generation == generation { return sync.result }
        if case .failure = sync.result { return sync.result }
        return .failure(.writeFault("the store was reopened after a write fault before this write was synced"))
    }

    /// Completes every registered writer, then stops and joins the thread. Idempotent.
    func shutdown() {
        let toJoin = monitor.withLock { () -> EngineThread? in
            stopping = true
            monitor.signal(Self.work)
            defer { thread = nil }
            return thread
        }
        toJoin?.join()
    }

    /// With the monitor held: waits while registrations keep arriving (see the type's notes).
    private func gather() {
        let deadline = ContinuousClock.now + Self.gatherLimit
        while !stopping && ContinuousClock.now < deadline {
            let count = pending.count
            monitor.wait(Self.work, nanoseconds: Self.gatherQuiet)
            if pending.count == count { return }
        }
    }

    private func run() {
        while true {
            monitor.lock()
            while pending.isEmpty && !stopping { monitor.wait(Self.work) }
            if pending.isEmpty {
                monitor.unlock()
                return
            }
            if lastBatchSize > 1 { gather() }
            let batch = pending
            lastBatchSize = batch.count
            pending = []
            monitor.unlock()

            let outcome = sync()
            monitor.lock()
            for waiter in batch {
                // A successful sync of another database instance does not cover this write.
                waiter.result = Self.outcome(outcome, for: waiter.generation)
            }
            monitor.broadcast(Self.done)
            monitor.unlock()
        }
    }
}
