#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread the engine owns (a pthread, not a Swift task): runs one closure, can be joined, and
/// can tell whether the calling thread is itself (so a shutdown begun on it does not join it).
final class EngineThread: @unchecked Sendable {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    private var handle: pthread_t
    private let joined = Monitor()
    private var isJoined = false

    /// Starts a thread running `body`; `name` only appears in the error if it cannot start.
    init(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { argument in
            let body = Unmanaged<AnyObject>.fromOpaque(argument!).takeRetainedValue() as! EngineThread.Body
            body.run()
            return nil
        }, box)
        precondition(status == 0, "cannot start thread \(name): error \(status)")
        handle = thread
    }

    /// True when called on this thread.
    var isCurrent: Bool { pthread_equal(pthread_self(), handle) != 0 }

    /// Waits for the thread to end, unless called on the thread itself (then it only returns).
    /// Idempotent.
    func join() {
        if isCurrent {
            _ = pthread_detach(handle)
            joined.withLock { isJoined = true }
            return
        }
        let first = joined.withLock { () -> Bool in
            defer { isJoined = true }
            return !isJoined
        }
        if first { pthread_join(handle, nil) }
    }
}
