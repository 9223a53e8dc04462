import GyreCore
import Synchronization

/// Every coordinator deadline of a node on one wake-up of its ``Scheduler``.
///
/// Contract: thread-safe. ``schedule(at:_:)`` runs the action once at (or just after) the
/// deadline unless ``cancel(_:)`` came first; actions run outside the lock, with the time of the
/// wake-up. Deadlines are rounded up to ``grain`` and share buckets, so the scheduler holds one
/// wake-up per grain in use, not one per request: a timer per request filled NIO's
/// scheduled-task heap with a second's worth of requests (measured: ~19% of a node's CPU), and a
/// heap entry per request cost ~3% under a read load. The node and the simulation run this same
/// code, so the simulation sees the grain the node has.
public final class CoordinatorTimers: Sendable {
    public struct Token: Sendable, Equatable {
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
    private let scheduler: any Scheduler

    public init(scheduler: any Scheduler) { self.scheduler = scheduler }

    /// Deadlines are rounded up to this grain so a busy node wakes at most once per grain (not
    /// once per request); coordinators keep a margin before the client's deadline larger than it.
    public static let grain: UInt64 = 4_000_000

    /// `deadline` rounded up to the next multiple of ``grain`` (a deadline on the grain moves a
    /// whole grain: the bucket is the first one strictly after it).
    public static func bucket(of deadline: UInt64) -> UInt64 { (deadline / grain + 1) * grain }

    @discardableResult
    public func schedule(at exactDeadline: UInt64, _ action: @escaping @Sendable (UInt64) -> Void) -> Token {
        let deadline = Self.bucket(of: exactDeadline)
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

    public func cancel(_ token: Token) {
        _ = state.withLock { $0.actions.removeValue(forKey: token.id) }
    }

    /// Pending actions (cancelled ones are dropped as their deadlines pass).
    public var pending: Int { state.withLock { $0.actions.count } }

    private func arm(at deadline: UInt64) {
        scheduler.run(at: deadline) { [self] in fire(armedFor: deadline) }
    }

    private func fire(armedFor deadline: UInt64) {
        let now = scheduler.now()
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
