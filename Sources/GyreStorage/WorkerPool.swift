/// A fixed set of engine-owned threads that run submitted jobs in submission order (first come,
/// first started) from one queue guarded by a mutex and a condition variable.
///
/// Contract: ``submit(_:)`` never blocks for long (it appends under a mutex) and returns false,
/// without running the job, once ``shutdown()`` began. ``shutdown()`` lets every job already
/// submitted run, then stops the threads and joins them (except the calling thread, when a job
/// itself shuts the pool down). Jobs must not wait for later jobs of the same pool. Each thread
/// runs `prepareThread` once, before its first job.
final class WorkerPool: @unchecked Sendable {
    typealias Job = @Sendable () -> Void

    private let monitor = Monitor()
    private var queue: [Job?] = []
    private var head = 0
    private var stopping = false
    private var threads: [EngineThread] = []

    init(threads count: Int, name: String, prepareThread: @escaping @Sendable () -> Void = {}) {
        for index in 0..<max(1, count) {
            threads.append(EngineThread(name: "\(name)-\(index)") { [self] in
                prepareThread()
                run()
            })
        }
    }

    /// Queues `job`; false (and `job` is dropped) after shutdown began.
    @discardableResult
    func submit(_ job: @escaping Job) -> Bool {
        monitor.lock()
        defer { monitor.unlock() }
        if stopping { return false }
        queue.append(job)
        monitor.signal()
        return true
    }

    /// Runs what was submitted, then stops and joins the threads. Idempotent.
    func shutdown() {
        let toJoin = monitor.withLock { () -> [EngineThread] in
            stopping = true
            monitor.broadcast()
            defer { threads = [] }
            return threads
        }
        for thread in toJoin { thread.join() }
    }

    private func run() {
        while let job = next() { job() }
    }

    /// The next job, or nil once stopping and the queue is empty.
    private func next() -> Job? {
        monitor.lock()
        defer { monitor.unlock() }
        while head == queue.count {
            if stopping { return nil }
            monitor.wait()
        }
        let job = queue[head]
        queue[head] = nil
        head += 1
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024, head * 2 >= queue.count {
            queue.removeFirst(head)
            head = 0
        }
        return job
    }
}
