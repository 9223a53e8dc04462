import Synchronization

/// The thread behind ``SyncPolicy/interval(milliseconds:)``: every interval, when something was
/// written since its last sync, it syncs the WAL.
///
/// Contract: ``noteWrite()`` is cheap (one atomic store); a sync begins at most one interval
/// after a write was noted; ``shutdown()`` stops and joins the thread without a last sync (the
/// engine's close syncs).
final class IntervalSyncer: @unchecked Sendable {
    private let monitor = Monitor()
    private let interval: UInt64
    private let sync: @Sendable () -> Void
    private var stopping = false
    private let written = Atomic<Bool>(false)
    private var thread: EngineThread?

    init(name: String, milliseconds: Int, sync: @escaping @Sendable () -> Void) {
        interval = UInt64(milliseconds) * 1_000_000
        self.sync = sync
        thread = EngineThread(name: name) { [self] in run() }
    }

    /// Records that a write happened, so the next tick syncs.
    func noteWrite() {
        if !written.load(ordering: .relaxed) { written.store(true, ordering: .releasing) }
    }

    /// Stops and joins the thread. Idempotent.
    func shutdown() {
        let toJoin = monitor.withLock { () -> EngineThread? in
            stopping = true
            monitor.signal()
            defer { thread = nil }
            return thread
        }
        toJoin?.join()
    }

    private func run() {
        while true {
            monitor.lock()
            if !stopping { monitor.wait(nanoseconds: interval) }
            let stop = stopping
            monitor.unlock()
            if stop { return }
            if written.exchange(false, ordering: .acquiring) { sync() }
        }
    }
}
