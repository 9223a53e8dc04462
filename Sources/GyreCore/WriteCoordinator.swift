public import GyreModel

/// One client write, coordinated: the coordinator has already applied it to its own replica
/// (creating the new version with its own actor id); this instance sends the result to the other
/// replicas and answers once W replicas hold it.
///
/// Contract (an Instance: no clock, no I/O; events return Directives):
/// - The coordinator's own write counts as one acknowledgement when `localApplied`.
/// - At W acknowledgements: ``Directive/reply(_:)`` OK. When W can no longer be reached, or the
///   deadline passes first: UNAVAILABLE with the acknowledgements so far and the outcome:
///   `possiblyApplied` when at least one replica holds the write (it may spread later through
///   repair), `notApplied` when none does.
/// - After the reply the instance still counts late acknowledgements until every replica
///   answered or the deadline passed, then emits ``Directive/finished``.
public struct WriteCoordinator<Version: Mergeable>: Sendable {
    /// What the shell must do next.
    public enum Directive: Sendable, Equatable {
        /// Send the new versions to this replica (it merges them into its own).
        case write(NodeID, Version)
        case scheduleTimeout(at: UInt64)
        case reply(WriteReply)
        case finished
    }

    public let coordinator: NodeID
    /// The other replicas of the key (the preference list without the coordinator).
    public let others: [NodeID]
    public let w: Int
    public let deadline: UInt64
    public let version: Version
    @usableFromInline let localApplied: Bool
    @usableFromInline var acked: Set<NodeID> = []
    @usableFromInline var failed: Set<NodeID> = []
    @usableFromInline var replied = false
    @usableFromInline var done = false
    @usableFromInline var lateAckCount = 0
    /// Acknowledgements that arrived after the client was answered.
    @inlinable public var lateAcks: Int { lateAckCount }

    @inlinable public init(coordinator: NodeID, others: [NodeID], w: Int, version: Version, localApplied: Bool, deadline: UInt64) {
        precondition(w >= 1 && w <= others.count + 1, "W must be in 1...N")
        self.coordinator = coordinator
        self.others = others.filter { $0 != coordinator }
        self.w = w
        self.version = version
        self.localApplied = localApplied
        self.deadline = deadline
    }

    @inlinable public var isFinished: Bool { done }
    /// Replicas holding the write so far (the coordinator included when it applied it).
    @inlinable public var acknowledgements: Int { acked.count + (localApplied ? 1 : 0) }

    // MARK: events

    @inlinable public mutating func start() -> [Directive] {
        var directives = others.map { Directive.write($0, version) }
        directives.append(.scheduleTimeout(at: deadline))
        directives += decide()
        if others.isEmpty { directives += finish() }
        return directives
    }

    @inlinable public mutating func onAck(from node: NodeID) -> [Directive] {
        guard !done, others.contains(node), !failed.contains(node), acked.insert(node).inserted else { return [] }
        if replied { lateAckCount += 1 }
        return decide() + finishIfEveryoneSpoke()
    }

    @inlinable public mutating func onFailure(from node: NodeID) -> [Directive] {
        guard !done, others.contains(node), !acked.contains(node), failed.insert(node).inserted else { return [] }
        return decide() + finishIfEveryoneSpoke()
    }

    @inlinable public mutating func onTimeout(now: UInt64) -> [Directive] {
        guard !done, now >= deadline else { return [] }
        var directives: [Directive] = []
        if !replied {
            replied = true
            directives.append(.reply(failure()))
        }
        return directives + finish()
    }

    // MARK: steps

    @inlinable mutating func decide() -> [Directive] {
        guard !replied else { return [] }
        if acknowledgements >= w {
            replied = true
            return [.reply(.ok(acks: acknowledgements))]
        }
        let stillPossible = acknowledgements + (others.count - acked.count - failed.count)
        if stillPossible < w {
            replied = true
            return [.reply(failure())]
        }
        return []
    }

    @inlinable func failure() -> WriteReply {
        .unavailable(acks: acknowledgements, outcome: acknowledgements >= 1 ? .possiblyApplied : .notApplied)
    }

    @inlinable mutating func finishIfEveryoneSpoke() -> [Directive] {
        acked.count + failed.count == others.count ? finish() : []
    }

    @inlinable mutating func finish() -> [Directive] {
        guard !done else { return [] }
        done = true
        return [.finished]
    }
}

/// How a write ends for the client.
public enum WriteReply: Sendable, Equatable {
    /// W replicas hold the write.
    case ok(acks: Int)
    /// Fewer than W replicas acknowledged in time.
    case unavailable(acks: Int, outcome: WriteOutcome)
}

/// What a client can conclude from a failed write (trailer `gyre-outcome`).
public enum WriteOutcome: String, Sendable, Equatable {
    /// At least one replica holds the write: it may still become visible.
    case possiblyApplied = "possibly-applied"
    /// No replica holds it.
    case notApplied = "not-applied"
}
