/// When a coordinator stops waiting for replicas.
///
/// Contract: the wait ends at the earlier of the client's deadline less `margin` (so the answer
/// still reaches the client in time) and `now + replicaTimeout` (also the budget when the client
/// sent no deadline); never before `now`.
public struct CoordinatorTiming: Sendable, Equatable {
    /// `--replica-timeout`, nanoseconds (default 1 s).
    public var replicaTimeout: UInt64
    /// Kept back from the client's deadline to send the answer, nanoseconds (default 5 ms).
    public var margin: UInt64

    public init(replicaTimeout: UInt64 = 1_000_000_000, margin: UInt64 = 5_000_000) {
        self.replicaTimeout = replicaTimeout
        self.margin = margin
    }

    /// The absolute time (same clock as `now`) at which to stop waiting.
    public func waitDeadline(now: UInt64, clientDeadline: UInt64?) -> UInt64 {
        let own = now &+ replicaTimeout
        guard let clientDeadline else { return own }
        let client = clientDeadline > margin ? clientDeadline - margin : 0
        return max(now, min(own, client))
    }
}
