import NIOCore
import NIOPosix

/// A Swift task executor that runs jobs on one of the client's event loops.
///
/// Contract: jobs run in order on the loop's thread. A task that prefers it (see
/// ``GyreClient/taskExecutor()``) makes its calls and receives their answers on the thread that
/// reads the node's socket, without a hop to the global executor and back per call. Blocking
/// work must not run under it: it would stall that loop's connections.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

extension GyreClient {
    /// An executor on one of the client's event loops (the next one, round-robin). Tasks that
    /// only await GyreClient calls run faster under it (`Task(executorPreference:)`,
    /// `withTaskExecutorPreference`, `group.addTask(executorPreference:)`): each call's answer
    /// resumes them on the loop that received it, where the next call is also sent, instead of
    /// waking a thread of the global executor. Do not block or compute at length in such tasks.
    public func taskExecutor() -> any TaskExecutor { EventLoopTaskExecutor(loop: group.next()) }
}
