public import GyreModel

/// One client read, coordinated: ask the key's replicas, answer once R have answered, then
/// repair the replicas that turned out stale (sloppy quorum: fallbacks stand in for replicas that
/// are down or fail, answering from the hints they hold).
///
/// Contract (an Instance: it never reads a clock or does I/O; every event returns Directives):
/// - ``start()`` asks every replica (the coordinator's own among them, when it is one) that the
///   failure detector does not see as down, and schedules the wait deadline. For each replica
///   that is down, or whose read fails, the next unused node of `fallbacks` (the ring after the
///   preference list, in order) is asked for the hints it holds for the key
///   (``Directive/readHints(_:)``); a fallback that fails is replaced by the next one.
/// - An answer (versions, or nil for "no versions"), a replica's or a fallback's, counts toward
///   R; a failure does not. At R answers, at least one of them a replica's (or with no replica
///   still outstanding): ``Directive/reply(_:)`` with the merge of everything heard so far. When R can no longer be reached, or the deadline passes first: reply
///   UNAVAILABLE.
/// - After the reply the instance keeps listening until every attempt ended or the deadline
///   passed, then emits ``Directive/repair(_:_:)`` for every replica that answered with something
///   other than the final merge, and ``Directive/finished``. Fallbacks, and replicas that failed
///   or never answered, are not repaired (nothing is known of them; fallbacks hand their hints
///   over themselves).
/// - Every directive is emitted once; events after ``Directive/finished`` return nothing.
public struct ReadCoordinator<Version: Mergeable>: Sendable {
    /// What the shell must do next.
    public enum Directive: Sendable, Equatable {
        /// Read this replica's versions of the key (the coordinator's own included).
        case read(NodeID)
        /// Read the hints this fallback holds for the key.
        case readHints(NodeID)
        /// Call ``onTimeout(now:)`` at this time.
        case scheduleTimeout(at: UInt64)
        /// Answer the client.
        case reply(ReadReply<Version>)
        /// Send the merged versions to a stale replica (read repair, asynchronous).
        case repair(NodeID, Version)
        /// Nothing more will happen: drop the instance.
        case finished
    }

    public let replicas: [NodeID]
    public let r: Int
    public let deadline: UInt64
    @usableFromInline let down: Set<NodeID>
    @usableFromInline var unusedFallbacks: ArraySlice<NodeID>
    /// Attempts in flight: true for a fallback.
    @usableFromInline var outstanding = NodeTable<Bool>()
    @usableFromInline var answers = NodeTable<Version?>()
    @usableFromInline var merged: Version?
    @usableFromInline var replied = false
    @usableFromInline var done = false

    /// - Parameters:
    ///   - fallbacks: the nodes after the preference list on the ring, in order (none of them one
    ///     of `replicas`); those seen as down left out.
    ///   - down: replicas the failure detector sees as down.
    @inlinable public init(replicas: [NodeID], fallbacks: [NodeID] = [], down: Set<NodeID> = [], r: Int, deadline: UInt64) {
        precondition(r >= 1 && r <= replicas.count, "R must be in 1...N")
        self.replicas = replicas
        self.r = r
        self.deadline = deadline
        self.down = down
        unusedFallbacks = fallbacks.filter { !replicas.contains($0) }[...]
    }

    /// Answers so far that came from fallbacks.
    @inlinable public var fallbackAnswers: Int { answers.nodes.count { !replicas.contains($0) } }

    /// True once ``Directive/finished`` was emitted.
    @inlinable public var isFinished: Bool { done }

    // MARK: events

    @inlinable public mutating func start() -> [Directive] {
        var directives: [Directive] = []
        for node in replicas {
            if down.contains(node) {
                directives += standIn()
            } else {
                outstanding[node] = false
                directives.append(.read(node))
            }
        }
        directives.append(.scheduleTimeout(at: deadline))
        directives += decide()
        if outstanding.isEmpty { directives += finish() }
        return directives
    }

    @inlinable public mutating func onAnswer(from node: NodeID, versions: Version?) -> [Directive] {
        guard !done, outstanding.removeValue(forKey: node) != nil else { return [] }
        answers[node] = .some(versions)
        if let versions {
            // Replicas usually agree: an equal answer needs no merge (merging is far dearer).
            if let current = merged {
                if current != versions { merged = current.merged(with: versions) }
            } else {
                merged = versions
            }
        }
        return decide() + finishIfEveryoneSpoke()
    }

    @inlinable public mutating func onFailure(from node: NodeID) -> [Directive] {
        guard !done, outstanding.removeValue(forKey: node) != nil else { return [] }
        let directives = replied ? [] : standIn()
        return directives + decide() + finishIfEveryoneSpoke()
    }

    @inlinable public mutating func onTimeout(now: UInt64) -> [Directive] {
        guard !done, now >= deadline else { return [] }
        var directives: [Directive] = []
        if !replied {
            replied = true
            directives.append(.reply(.unavailable(answered: answers.count, required: r)))
        }
        return directives + finish()
    }

    // MARK: steps

    /// Asks the next fallback for its hints (nothing when none is left).
    @inlinable mutating func standIn() -> [Directive] {
        guard let fallback = unusedFallbacks.popFirst() else { return [] }
        outstanding[fallback] = true
        return [.readHints(fallback)]
    }

    @inlinable mutating func decide() -> [Directive] {
        guard !replied else { return [] }
        // Fallbacks alone do not answer while a replica may still: a fallback holds only hints,
        // so a replica's answer is waited for (until it answers or fails).
        let replicaPending = outstanding.entries.contains { !$0.value }
        if answers.count >= r && !(answers.count == fallbackAnswers && replicaPending) {
            replied = true
            return [.reply(.ok(merged: merged, answered: answers.count, hinted: fallbackAnswers))]
        }
        if answers.count + outstanding.count + unusedFallbacks.count < r {
            replied = true
            return [.reply(.unavailable(answered: answers.count, required: r))]
        }
        return []
    }

    @inlinable mutating func finishIfEveryoneSpoke() -> [Directive] {
        outstanding.isEmpty ? finish() : []
    }

    /// Read repair: every replica that answered with anything but the final merge gets it.
    @inlinable mutating func finish() -> [Directive] {
        guard !done else { return [] }
        done = true
        var directives: [Directive] = []
        if let merged {
            for node in replicas {
                guard let answer = answers[node] else { continue }
                if answer != merged { directives.append(.repair(node, merged)) }
            }
        }
        directives.append(.finished)
        return directives
    }
}

/// How a read ends for the client.
public enum ReadReply<Version: Mergeable>: Sendable, Equatable {
    /// R nodes answered, `hinted` of them fallbacks; `merged` is nil when none holds any version
    /// of the key.
    case ok(merged: Version?, answered: Int, hinted: Int)
    /// Fewer than `required` nodes answered in time.
    case unavailable(answered: Int, required: Int)
}
