/// One asynchronous update waiting for the engine's write job (``UpdateQueue``).
struct PendingUpdate: Sendable {
    let key: StorageKey
    let transform: @Sendable ([UInt8]?) throws(StorageError) -> [UInt8]?
    let completion: @Sendable (Result<[UInt8]?, StorageError>) -> Void
}

/// Gathers asynchronous updates while the engine's write job runs, so that one job applies every
/// update that arrived meanwhile (one RocksDB write, one WAL sync, at most one thread wake-up)
/// instead of one job per update.
///
/// Contract: ``submit(_:)`` never blocks for long and never runs an update itself; each
/// submitted update is handed to `apply` exactly once, in submission order, in batches of at
/// most ``maxBatch``. At most one job runs at a time: it is started on the pool by the first
/// update that finds none running, and it keeps taking batches until the queue is empty. While
/// the job works (and syncs), new updates queue up: the busier the node, the larger its
/// batches. `apply` must not wait for later updates: a sync delayed to gather more writes only
/// delays the writes it already holds (see ``RocksDBEngine``).
final class UpdateQueue: @unchecked Sendable {
    /// The most updates one batch takes, so a burst is applied (and acknowledged) in steps.
    static let maxBatch = 256

    private let monitor = Monitor()
    private var pending: [PendingUpdate] = []
    private var running = false
    private let pool: WorkerPool
    private let apply: @Sendable ([PendingUpdate]) -> Void
    private let refused: @Sendable ([PendingUpdate]) -> Void

    /// `apply` gets each batch; `refused` gets the updates the pool would not run (see
    /// ``submit(_:)``).
    init(pool: WorkerPool, apply: @escaping @Sendable ([PendingUpdate]) -> Void,
         refused: @escaping @Sendable ([PendingUpdate]) -> Void) {
        self.pool = pool
        self.apply = apply
        self.refused = refused
    }

    /// Queues `update`, starting the write job when none runs. If the pool no longer takes jobs
    /// (it shuts down only after every accepted operation ended, so this is a safeguard), every
    /// queued update goes to `refused` instead, so none is left without an answer.
    func submit(_ update: PendingUpdate) {
        let start = monitor.withLock { () -> Bool in
            pending.append(update)
            if running { return false }
            running = true
            return true
        }
        guard start, !pool.submit({ [self] in drain() }) else { return }
        let stranded = monitor.withLock { () -> [PendingUpdate] in
            running = false
            defer { pending = [] }
            return pending
        }
        refused(stranded)
    }

    private func drain() {
        while let batch = next() { apply(batch) }
    }

    /// The next batch, or nil when the queue is empty (then the job ends).
    private func next() -> [PendingUpdate]? {
        monitor.withLock { () -> [PendingUpdate]? in
            if pending.isEmpty {
                running = false
                return nil
            }
            if pending.count <= Self.maxBatch {
                defer { pending = [] }
                return pending
            }
            defer { pending.removeFirst(Self.maxBatch) }
            return Array(pending.prefix(Self.maxBatch))
        }
    }
}
