/// When a coordinator stops waiting for replicas.
///
/// Contract: the wait ends at the earlier of the client's deadline less `margin` (so the answer
/// still reaches the client in time) and `now + replicaTimeout` (also the budget when the client
/// sent no deadline); never before `now`. A client deadline that leaves no more than `margin`
/// has no time to wait at all: ``timeLeft(now:clientDeadline:)`` says so, and the request is
/// answered DEADLINE_EXCEEDED before anything starts (``WriteAnswer/deadlineTooShort(remaining:margin:)``).
/// Each call to one replica or fallback ends at the earlier of the wait's end and
/// `now + attemptTimeout`: a silent node is given up on early enough to try a fallback.
public struct CoordinatorTiming: Sendable, Equatable {
    /// `--replica-timeout`, nanoseconds (default 1 s).
    public var replicaTimeout: UInt64
    /// Kept back from the client's deadline to send the answer, nanoseconds (default 5 ms).
    public var margin: UInt64
    /// `--attempt-timeout`: how long one replica call may take before a fallback is tried,
    /// nanoseconds (default 300 ms).
    public var attemptTimeout: UInt64

    public init(replicaTimeout: UInt64 = 1_000_000_000, margin: UInt64 = 5_000_000, attemptTimeout: UInt64 = 300_000_000) {
        self.replicaTimeout = replicaTimeout
        self.margin = margin
        self.attemptTimeout = attemptTimeout
    }

    /// When one replica call started at `now` ends, for a wait that ends at `waitDeadline`.
    public func attemptDeadline(now: UInt64, waitDeadline: UInt64) -> UInt64 {
        min(waitDeadline, now &+ attemptTimeout)
    }

    /// Whether the client's deadline leaves time to wait for replicas after the margin.
    public func timeLeft(now: UInt64, clientDeadline: UInt64?) -> Bool {
        guard let clientDeadline else { return true }
        return clientDeadline > now &+ margin
    }

    /// Nanoseconds from `now` to the client's deadline (0 when passed; nil without one).
    public func remaining(now: UInt64, clientDeadline: UInt64?) -> UInt64? {
        clientDeadline.map { $0 > now ? $0 - now : 0 }
    }

    /// The absolute time (same clock as `now`) at which to stop waiting.
    public func waitDeadline(now: UInt64, clientDeadline: UInt64?) -> UInt64 {
        let own = now &+ replicaTimeout
        guard let clientDeadline else { return own }
        let client = clientDeadline > margin ? clientDeadline - margin : 0
        return max(now, min(own, client))
    }
}
