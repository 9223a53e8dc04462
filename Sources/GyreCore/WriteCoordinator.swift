public import GyreModel

/// One client write, coordinated: the coordinator has already applied it to its own replica
/// (creating the new version with its own actor id); this instance sends the result to the other
/// replicas and answers once W nodes hold it (sloppy quorum, Dynamo's).
///
/// Contract (an Instance: no clock, no I/O; events return Directives):
/// - The coordinator's own write counts as one acknowledgement when `localApplied`.
/// - Every other replica is written (``Directive/write(_:_:)``) unless the failure detector sees
///   it as down. For a replica that is down, or whose write fails (the shell gives each attempt
///   a short timeout of its own), the next unused node of `fallbacks` (the ring after the
///   preference list, in order) is sent the write as a hint for that replica
///   (``Directive/hint(_:owner:_:)``); a fallback that fails is replaced by the next one. Each
///   fallback stands in for at most one replica. With `strict`, no fallback is ever written, and
///   replicas seen as down are written all the same (the detector may be wrong).
/// - Hinted acknowledgements count toward W (unless `strict`, where there are none) and are
///   reported apart (`hinted`).
/// - At W acknowledgements: ``Directive/reply(_:)`` OK. When W can no longer be reached, or the
///   deadline passes first: UNAVAILABLE with the acknowledgements so far and the outcome:
///   `possiblyApplied` when at least one node holds the write (it may spread later through
///   repair or handoff), `notApplied` when none does.
/// - After the reply the instance still counts late acknowledgements until every attempt ended
///   or the deadline passed. Then, for every replica that neither acknowledged nor has a
///   fallback that acknowledged for it, it emits ``Directive/keepHint(owner:_:)`` (the
///   coordinator keeps the write for it, so handoff brings it home even when no fallback could
///   take it), and finally ``Directive/finished``.
public struct WriteCoordinator<Version: Mergeable>: Sendable {
    /// What the shell must do next.
    public enum Directive: Sendable, Equatable {
        /// Send the new versions to this replica (it merges them into its own).
        case write(NodeID, Version)
        /// Send the new versions to this fallback, to keep for `owner` until it is back.
        case hint(NodeID, owner: NodeID, Version)
        case scheduleTimeout(at: UInt64)
        case reply(WriteReply)
        /// Keep the new versions locally as a hint for `owner` (it has not got them).
        case keepHint(owner: NodeID, Version)
        case finished
    }

    public let coordinator: NodeID
    /// The other replicas of the key (the preference list without the coordinator).
    public let others: [NodeID]
    public let w: Int
    public let deadline: UInt64
    public let version: Version
    public let strict: Bool
    @usableFromInline let localApplied: Bool
    /// Fallbacks not used yet, in ring order.
    @usableFromInline var unusedFallbacks: ArraySlice<NodeID>
    /// Replicas the detector sees as down at the start (written through fallbacks at once).
    @usableFromInline let down: Set<NodeID>
    /// Attempts in flight: the node written, and the replica it stands for (itself, for a replica).
    @usableFromInline var outstanding = NodeTable<NodeID>()
    @usableFromInline var acked: Set<NodeID> = []
    @usableFromInline var hintAcked: Set<NodeID> = []
    /// Replicas a fallback acknowledged for.
    @usableFromInline var covered: Set<NodeID> = []
    /// The coordinator's own acknowledgement is a hint (it is not a replica of the key).
    @usableFromInline let localIsHint: Bool
    @usableFromInline var replied = false
    @usableFromInline var done = false
    @usableFromInline var lateAckCount = 0
    /// Acknowledgements that arrived after the client was answered.
    @inlinable public var lateAcks: Int { lateAckCount }

    /// - Parameters:
    ///   - fallbacks: the nodes after the preference list on the ring, in order (none of them
    ///     the coordinator or one of `others`); those seen as down left out.
    ///   - down: replicas of `others` the failure detector sees as down.
    ///   - localIsHint: the coordinator is not a replica: its own write is a hint, and counts as
    ///     a hinted acknowledgement.
    @inlinable public init(coordinator: NodeID, others: [NodeID], fallbacks: [NodeID] = [], down: Set<NodeID> = [],
                           strict: Bool = false, w: Int, version: Version, localApplied: Bool, localIsHint: Bool = false,
                           deadline: UInt64) {
        precondition(w >= 1 && w <= others.count + 1, "W must be in 1...N")
        self.coordinator = coordinator
        let others = others.filter { $0 != coordinator }
        self.others = others
        self.w = w
        self.version = version
        self.localApplied = localApplied
        self.deadline = deadline
        self.strict = strict
        self.down = down
        self.localIsHint = localIsHint
        unusedFallbacks = strict ? [] : fallbacks.filter { $0 != coordinator && !others.contains($0) }[...]
    }

    @inlinable public var isFinished: Bool { done }
    /// Nodes holding the write so far (the coordinator included when it applied it).
    @inlinable public var acknowledgements: Int { acked.count + hintAcked.count + (localApplied ? 1 : 0) }
    /// How many of ``acknowledgements`` are hints.
    @inlinable public var hintedAcknowledgements: Int { hintAcked.count + (localApplied && localIsHint ? 1 : 0) }

    // MARK: events

    @inlinable public mutating func start() -> [Directive] {
        var directives: [Directive] = []
        for node in others {
            if down.contains(node) && !strict {
                directives += standIn(for: node)
            } else {
                outstanding[node] = node
                directives.append(.write(node, version))
            }
        }
        directives.append(.scheduleTimeout(at: deadline))
        directives += decide()
        if outstanding.isEmpty { directives += finish() }
        return directives
    }

    /// `node` (a replica or a fallback) acknowledged.
    @inlinable public mutating func onAck(from node: NodeID) -> [Directive] {
        guard !done, let owner = outstanding.removeValue(forKey: node) else { return [] }
        if owner == node {
            acked.insert(node)
        } else {
            hintAcked.insert(node)
            covered.insert(owner)
        }
        if replied { lateAckCount += 1 }
        return decide() + finishIfEveryoneSpoke()
    }

    /// `node`'s attempt failed (an error, or its own timeout): its replica is handed to the next
    /// fallback, if any.
    @inlinable public mutating func onFailure(from node: NodeID) -> [Directive] {
        guard !done, let owner = outstanding.removeValue(forKey: node) else { return [] }
        return standIn(for: owner) + decide() + finishIfEveryoneSpoke()
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

    /// Sends the write to the next fallback, as a hint for `owner` (nothing when none is left).
    /// Also after the reply: a replica that missed the write gets it later by handoff.
    @inlinable mutating func standIn(for owner: NodeID) -> [Directive] {
        guard let fallback = unusedFallbacks.popFirst() else { return [] }
        outstanding[fallback] = owner
        return [.hint(fallback, owner: owner, version)]
    }

    @inlinable mutating func decide() -> [Directive] {
        guard !replied else { return [] }
        if acknowledgements >= w {
            replied = true
            return [.reply(.ok(acks: acknowledgements, hinted: hintedAcknowledgements))]
        }
        // Each attempt in flight, and each unused fallback, can add at most one acknowledgement.
        let stillPossible = acknowledgements + outstanding.count + unusedFallbacks.count
        if stillPossible < w {
            replied = true
            return [.reply(failure())]
        }
        return []
    }

    @inlinable func failure() -> WriteReply {
        .unavailable(acks: acknowledgements, hinted: hintedAcknowledgements,
                     outcome: acknowledgements >= 1 ? .possiblyApplied : .notApplied)
    }

    @inlinable mutating func finishIfEveryoneSpoke() -> [Directive] {
        outstanding.isEmpty ? finish() : []
    }

    @inlinable mutating func finish() -> [Directive] {
        guard !done else { return [] }
        done = true
        var directives: [Directive] = []
        if localApplied {
            for owner in others where !acked.contains(owner) && !covered.contains(owner) {
                directives.append(.keepHint(owner: owner, version))
            }
        }
        return directives + [.finished]
    }
}

/// How a write ends for the client.
public enum WriteReply: Sendable, Equatable {
    /// W nodes hold the write, `hinted` of them as fallbacks.
    case ok(acks: Int, hinted: Int)
    /// Fewer than W nodes acknowledged in time.
    case unavailable(acks: Int, hinted: Int, outcome: WriteOutcome)
}

/// What a client can conclude from a failed write (trailer `gyre-outcome`).
public enum WriteOutcome: String, Sendable, Equatable {
    /// At least one replica holds the write: it may still become visible.
    case possiblyApplied = "possibly-applied"
    /// No replica holds it.
    case notApplied = "not-applied"
}
