#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutex with condition variables (pthreads), for the engine's own threads to wait on.
///
/// Contract: ``wait(_:)`` and ``wait(_:nanoseconds:)`` must be called with the mutex held and
/// may wake spuriously (callers loop on their predicate). Timed waits use the monotonic clock.
final class Monitor: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let conditions: UnsafeMutablePointer<pthread_cond_t>
    private let conditionCount: Int

    /// A monitor with `conditions` condition variables, numbered from 0.
    init(conditions: Int = 1) {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        conditionCount = max(1, conditions)
        self.conditions = .allocate(capacity: conditionCount)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        for index in 0..<conditionCount { pthread_cond_init(self.conditions + index, &attributes) }
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        for index in 0..<conditionCount { pthread_cond_destroy(conditions + index) }
        conditions.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }

    func unlock() { pthread_mutex_unlock(mutex) }

    func withLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        lock()
        defer { unlock() }
        return try body()
    }

    func wait(_ condition: Int = 0) { pthread_cond_wait(conditions + condition, mutex) }

    /// Waits at most `nanoseconds`.
    func wait(_ condition: Int = 0, nanoseconds: UInt64) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let total = UInt64(now.tv_nsec) + nanoseconds % 1_000_000_000
        var deadline = timespec()
        deadline.tv_sec = now.tv_sec + Int(nanoseconds / 1_000_000_000) + Int(total / 1_000_000_000)
        deadline.tv_nsec = Int(total % 1_000_000_000)
        pthread_cond_timedwait(conditions + condition, mutex, &deadline)
    }

    /// Sleeps the calling thread for `nanoseconds` (no lock involved).
    static func sleep(nanoseconds: UInt64) {
        var duration = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&duration, &remaining) != 0 && errno == EINTR { duration = remaining }
    }

    func signal(_ condition: Int = 0) { pthread_cond_signal(conditions + condition) }

    func broadcast(_ condition: Int = 0) { pthread_cond_broadcast(conditions + condition) }
}
