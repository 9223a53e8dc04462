@testable import GyreNode
import GyrePipeline
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// One timer for every coordinator deadline: actions fire once, in time, unless cancelled.
@Suite struct CoordinatorTimersTests {
    @Test func firesDueActionsAndSkipsCancelledOnes() async throws {
        let timers = CoordinatorTimers(scheduler: EventLoopScheduler(loop: NodeHarness.group.next()))
        let fired = Mutex<[Int]>([])
        let now = NIODeadline.now().uptimeNanoseconds
        // Scheduled out of order: the earlier deadline must re-arm the single timer.
        timers.schedule(at: now + 60_000_000) { _ in fired.withLock { $0.append(3) } }
        let cancelled = timers.schedule(at: now + 30_000_000) { _ in fired.withLock { $0.append(2) } }
        timers.schedule(at: now + 10_000_000) { _ in fired.withLock { $0.append(1) } }
        timers.cancel(cancelled)
        #expect(await NodeHarness.eventually { fired.withLock { $0.count } == 2 })
        #expect(fired.withLock { $0 } == [1, 3])
        #expect(timers.pending == 0)
    }
}
