#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fixed number of mutexes chosen by a key's hash, so a read-modify-write of one key excludes
/// every other one of the same key (and, rarely, of a key sharing its stripe) without one lock per
/// key. A holder of several stripes takes them in ascending order, so holders cannot deadlock
/// among themselves.
final class StripedLocks: @unchecked Sendable {
    private let mutexes: UnsafeMutablePointer<pthread_mutex_t>
    let count: Int

    init(count: Int = 256) {
        self.count = max(1, count)
        mutexes = .allocate(capacity: self.count)
        for index in 0..<self.count { pthread_mutex_init(mutexes + index, nil) }
    }

    deinit {
        for index in 0..<count { pthread_mutex_destroy(mutexes + index) }
        mutexes.deallocate()
    }

    /// Runs `body` holding the stripe of `key`.
    func withLock<Key: Hashable, R, E: Error>(for key: Key, _ body: () throws(E) -> R) throws(E) -> R {
        let stripe = mutexes + Int(UInt(bitPattern: key.hashValue) % UInt(count))
        pthread_mutex_lock(stripe)
        defer { pthread_mutex_unlock(stripe) }
        return try body()
    }

    /// Runs `body` holding the stripes of every key of `keys` (each stripe once, taken in
    /// ascending order, released in reverse).
    func withLocks<Key: Hashable, R, E: Error>(for keys: some Sequence<Key>, _ body: () throws(E) -> R) throws(E) -> R {
        var stripes = Array(Set(keys.map { Int(UInt(bitPattern: $0.hashValue) % UInt(count)) }))
        stripes.sort()
        for stripe in stripes { pthread_mutex_lock(mutexes + stripe) }
        defer { for stripe in stripes.reversed() { pthread_mutex_unlock(mutexes + stripe) } }
        return try body()
    }
}
