import NIOCore

/// Runs connection work on the connection's NIO event loop.
///
/// Contract: see ``ConnectionExecutor``; `execute` from the loop itself still queues (keeps
/// ordering with other queued work).
struct EventLoopExecutor: ConnectionExecutor {
    let loop: any EventLoop

    var inConnectionThread: Bool { loop.inEventLoop }

    func execute(_ work: @escaping @Sendable () -> Void) { loop.execute(work) }
}

/// The monotonic clock NIO uses, in nanoseconds.
@Sendable func monotonicNanoseconds() -> UInt64 { NIODeadline.now().uptimeNanoseconds }
