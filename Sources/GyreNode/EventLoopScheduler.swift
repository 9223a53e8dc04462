import GyrePipeline
import NIOCore
import NIOPosix

/// The pipeline's ``Scheduler`` on SwiftNIO: the clock is NIO's uptime clock (the clock of every
/// call deadline), timers run on one event loop, and "after this pass" is a task queued on the
/// calling event loop (behind the pass's reads) or, from elsewhere, on the timer loop.
///
/// Contract: thread-safe, as ``Scheduler`` says.
struct EventLoopScheduler: Scheduler {
    /// The loop timers run on, and where work from outside the group's loops goes.
    let loop: any EventLoop

    func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    func run(at deadline: UInt64, _ action: @escaping @Sendable () -> Void) {
        loop.scheduleTask(deadline: .uptimeNanoseconds(deadline)) { action() }
    }

    func afterPass(_ action: @escaping @Sendable () -> Void) {
        (MultiThreadedEventLoopGroup.currentEventLoop ?? loop).execute(action)
    }
}
