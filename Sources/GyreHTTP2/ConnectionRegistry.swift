import Synchronization

/// One admitted connection as the registry sees it: its source, and since when it has been idle.
///
/// Contract: thread-safe; the connection's driver publishes its idle state with
/// ``setIdleSince(_:)`` (0 = busy), the registry reads it from any thread; ``evict`` runs at most
/// once, on whatever thread the registry decides to evict from.
final class ConnectionEntry: Sendable {
    let source: String
    private let idleSinceStorage: Atomic<UInt64>
    private let evictAction: @Sendable () -> Void

    init(source: String, idleSince: UInt64, evict: @escaping @Sendable () -> Void) {
        self.source = source
        idleSinceStorage = Atomic(idleSince)
        evictAction = evict
    }

    /// Monotonic nanoseconds since which the connection has had no open stream, or 0 when busy.
    var idleSince: UInt64 { idleSinceStorage.load(ordering: .relaxed) }

    func setIdleSince(_ value: UInt64) { idleSinceStorage.store(value, ordering: .relaxed) }

    func evict() { evictAction() }
}

/// The connections of one listener, capped in total and per source address, and the in-flight
/// budget each source address shares between its connections.
///
/// Contract: thread-safe. ``admit(_:)`` counts a new connection in; when that passes a cap it
/// first evicts the longest-idle connection in the capped group (the source's, or all of them)
/// and refuses the new one when there is none idle to evict. An evicted entry leaves the registry
/// at once (its connection closes at once, being idle; see ``EvictIdleEvent``). Every admitted
/// entry is ``remove(_:)``d once when its connection closes (an evicted one may be removed
/// again; that is a no-op).
final class ConnectionRegistry: Sendable {
    let maxConnections: Int
    let maxPerSource: Int
    let maxCallsPerSource: Int

    private struct State {
        var all: [ObjectIdentifier: ConnectionEntry] = [:]
        var perSource: [String: [ObjectIdentifier: ConnectionEntry]] = [:]
        var sourceCalls: [String: InFlightLimiter] = [:]
    }

    private let state = Mutex(State())

    init(maxConnections: Int, maxPerSource: Int, maxCallsPerSource: Int = .max) {
        self.maxConnections = maxConnections
        self.maxPerSource = maxPerSource
        self.maxCallsPerSource = maxCallsPerSource
    }

    /// The in-flight budget of `entry`'s source, shared by all its connections (admitted ones).
    /// An entry already removed (its connection closed or was evicted meanwhile) gets a budget of
    /// its own that the registry does not keep.
    func callLimiter(of entry: ConnectionEntry) -> InFlightLimiter {
        state.withLock { state in
            if let limiter = state.sourceCalls[entry.source] { return limiter }
            let limiter = InFlightLimiter(limit: maxCallsPerSource)
            if state.all[ObjectIdentifier(entry)] != nil { state.sourceCalls[entry.source] = limiter }
            return limiter
        }
    }

    /// What admission did.
    enum Admission: Equatable {
        case admitted
        /// Admitted after evicting this many idle connections.
        case admittedEvicting(Int)
        case refused
    }

    var count: Int { state.withLock { $0.all.count } }

    func admit(_ entry: ConnectionEntry) -> Admission {
        var evicted: [ConnectionEntry] = []
        let admitted: Bool = state.withLock { state in
            if state.perSource[entry.source, default: [:]].count >= maxPerSource {
                guard let victim = Self.longestIdle(state.perSource[entry.source, default: [:]]) else { return false }
                Self.drop(victim, from: &state)
                evicted.append(victim)
            }
            if state.all.count >= maxConnections {
                guard let victim = Self.longestIdle(state.all) else { return false }
                Self.drop(victim, from: &state)
                evicted.append(victim)
            }
            let id = ObjectIdentifier(entry)
            state.all[id] = entry
            state.perSource[entry.source, default: [:]][id] = entry
            return true
        }
        for victim in evicted { victim.evict() }
        if !admitted { return .refused }
        return evicted.isEmpty ? .admitted : .admittedEvicting(evicted.count)
    }

    func remove(_ entry: ConnectionEntry) {
        state.withLock { Self.drop(entry, from: &$0) }
    }

    private static func drop(_ entry: ConnectionEntry, from state: inout State) {
        let id = ObjectIdentifier(entry)
        guard state.all.removeValue(forKey: id) != nil else { return }
        state.perSource[entry.source]?.removeValue(forKey: id)
        if state.perSource[entry.source]?.isEmpty == true {
            state.perSource.removeValue(forKey: entry.source)
            // Calls still in flight keep their reference and release into it.
            state.sourceCalls.removeValue(forKey: entry.source)
        }
    }

    /// The entry idle the longest (smallest non-zero idle-since), or nil when none is idle.
    private static func longestIdle(_ entries: [ObjectIdentifier: ConnectionEntry]) -> ConnectionEntry? {
        var best: ConnectionEntry?
        var bestSince = UInt64.max
        for entry in entries.values {
            let since = entry.idleSince
            if since != 0 && since < bestSince {
                best = entry
                bestSince = since
            }
        }
        return best
    }
}
