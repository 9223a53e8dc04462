import GyreCore
import NIOCore
import Synchronization

/// Every coordinator deadline of a node on one NIO timer.
///
/// Contract: thread-safe. ``schedule(at:_:)`` runs the action once at (or just after) the
/// deadline unless ``cancel(_:)`` came first; actions run on one event loop, outside the lock.
/// One NIO task is armed at a time, for the earliest deadline: a timer per request would fill
/// NIO's scheduled-task heap with a second's worth of requests (measured: ~19% of a node's CPU),
/// and cancelling one there is a linear search. Deadlines share grain-sized buckets, so the heap
/// holds one entry per grain in use (about 250 for a second of requests), not one per request
/// (a heap entry per request was measured at ~3% of a node's CPU under a read load).
final class CoordinatorTimers: Sendable {
    struct Token: Sendable, Equatable {
        fileprivate let id: UInt64
    }

    private struct State {
        /// One entry per bucket (its deadline), earliest first.
        var queue = DeadlineQueue<UInt64>()
        /// The ids waiting in each bucket, by bucket deadline.
        var buckets: [UInt64: [UInt64]] = [:]
        var actions: [UInt64: @Sendable (UInt64) -> Void] = [:]
        var nextID: UInt64 = 0
        var armedAt = UInt64.max
    }

    private let state = Mutex(State())
    private let loop: any EventLoop

    init(loop: any EventLoop) { self.loop = loop }

    /// Deadlines are rounded up to this grain so a busy node arms its timer at most once per grain
    /// (not once per request); coordinators keep a 5 ms margin before the client's deadline.
    static let grain: UInt64 = 4_000_000

    @discardableResult
    func schedule(at exactDeadline: UInt64, _ action: @escaping @Sendable (UInt64) -> Void) -> Token {
        let deadline = (exactDeadline / Self.grain + 1) * Self.grain
        let (token, needsArming): (Token, Bool) = state.withLock { state in
            state.nextID += 1
            let id = state.nextID
            state.actions[id] = action
            if state.buckets[deadline]?.append(id) == nil {
                state.buckets[deadline] = [id]
                state.queue.insert(deadline: deadline, id: deadline)
            }
            let earlier = deadline < state.armedAt
            if earlier { state.armedAt = deadline }
            return (Token(id: id), earlier)
        }
        if needsArming { arm(at: deadline) }
        return token
    }

    func cancel(_ token: Token) {
        _ = state.withLock { $0.actions.removeValue(forKey: token.id) }
    }

    /// Pending actions (cancelled ones are dropped as their deadlines pass).
    var pending: Int { state.withLock { $0.actions.count } }

    private func arm(at deadline: UInt64) {
        loop.scheduleTask(deadline: .uptimeNanoseconds(deadline)) { [self] in fire(armedFor: deadline) }
    }

    private func fire(armedFor deadline: UInt64) {
        let now = NIODeadline.now().uptimeNanoseconds
        let (due, next): ([@Sendable (UInt64) -> Void], UInt64?) = state.withLock { state in
            // Every firing sweeps; only the active arming (the earliest) re-arms for what is left.
            var due: [@Sendable (UInt64) -> Void] = []
            for bucket in state.queue.popExpired(now: now) {
                for id in state.buckets.removeValue(forKey: bucket) ?? [] {
                    if let action = state.actions.removeValue(forKey: id) { due.append(action) }
                }
            }
            guard state.armedAt == deadline else { return (due, nil) }
            state.armedAt = state.queue.earliest ?? .max
            return (due, state.queue.earliest)
        }
        if let next { arm(at: next) }
        for action in due { action(now) }
    }
}
