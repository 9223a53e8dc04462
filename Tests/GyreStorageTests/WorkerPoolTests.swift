@testable import GyreStorage
import Glibc
import Synchronization
import Testing

/// A worker pool prepares each of its threads once, before that thread runs any job (the RocksDB
/// engine turns off RocksDB's per-thread perf counters this way).
@Suite struct WorkerPoolTests {
    @Test func everyThreadIsPreparedOnceBeforeItsFirstJob() {
        let prepared = Mutex<[UInt]>([])
        let unpreparedJobs = Atomic<Int>(0)
        let ran = Atomic<Int>(0)
        let pool = WorkerPool(threads: 3, name: "test-pool") {
            prepared.withLock { $0.append(UInt(pthread_self())) }
        }
        for _ in 0..<200 {
            pool.submit {
                let me = UInt(pthread_self())
                if !prepared.withLock({ $0.contains(me) }) { unpreparedJobs.add(1, ordering: .relaxed) }
                ran.add(1, ordering: .relaxed)
            }
        }
        pool.shutdown()
        #expect(ran.load(ordering: .relaxed) == 200)
        #expect(unpreparedJobs.load(ordering: .relaxed) == 0)
        let threads = prepared.withLock { $0 }
        #expect(threads.count == 3)
        #expect(Set(threads).count == 3)
    }
}
