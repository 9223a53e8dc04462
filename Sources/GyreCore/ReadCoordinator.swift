public import GyreModel

/// One client read, coordinated: ask the N replicas, answer once R have answered, then repair
/// the replicas that turned out stale.
///
/// Contract (an Instance: it never reads a clock or does I/O; every event returns Directives):
/// - ``start()`` asks every replica (the coordinator's own replica is one of them) and schedules
///   the wait deadline.
/// - A replica's answer (its versions, or nil for "no versions") counts toward R; a failure does
///   not. At R answers: ``Directive/reply(_:)`` with the merge of everything heard so far. When R
///   can no longer be reached, or the deadline passes first: reply UNAVAILABLE.
/// - After the reply the instance keeps listening until every replica answered or the deadline
///   passed, then emits ``Directive/repair(_:_:)`` for every replica that answered with something
///   other than the final merge, and ``Directive/finished``. Replicas that failed or never
///   answered are not repaired (nothing is known of them).
/// - Every directive is emitted once; events after ``Directive/finished`` return nothing.
public struct ReadCoordinator<Version: Mergeable>: Sendable {
    /// What the shell must do next.
    public enum Directive: Sendable, Equatable {
        /// Read this replica's versions of the key (the coordinator's own included).
        case read(NodeID)
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
    @usableFromInline var answers: [NodeID: Version?] = [:]
    @usableFromInline var failed: Set<NodeID> = []
    @usableFromInline var merged: Version?
    @usableFromInline var replied = false
    @usableFromInline var done = false

    @inlinable public init(replicas: [NodeID], r: Int, deadline: UInt64) {
        precondition(r >= 1 && r <= replicas.count, "R must be in 1...N")
        self.replicas = replicas
        self.r = r
        self.deadline = deadline
    }

    /// True once ``Directive/finished`` was emitted.
    @inlinable public var isFinished: Bool { done }

    // MARK: events

    @inlinable public mutating func start() -> [Directive] {
        replicas.map(Directive.read) + [.scheduleTimeout(at: deadline)]
    }

    @inlinable public mutating func onAnswer(from node: NodeID, versions: Version?) -> [Directive] {
        guard !done, replicas.contains(node), answers[node] == nil, !failed.contains(node) else { return [] }
        answers[node] = .some(versions)
        if let versions {
            // Replicas usually agree: an equal answer needs no merge (merging is far dearer).
            if let current = merged {
                if current != versions { merged = current.merged(with: versions) }
            } else {
                merged = versions
            }
        }
        var directives: [Directive] = []
        if !replied && answers.count >= r {
            replied = true
            directives.append(.reply(.ok(merged: merged, answered: answers.count)))
        }
        return directives + finishIfEveryoneSpoke()
    }

    @inlinable public mutating func onFailure(from node: NodeID) -> [Directive] {
        guard !done, replicas.contains(node), answers[node] == nil, failed.insert(node).inserted else { return [] }
        var directives: [Directive] = []
        if !replied && replicas.count - failed.count < r {
            replied = true
            directives.append(.reply(.unavailable(answered: answers.count, required: r)))
        }
        return directives + finishIfEveryoneSpoke()
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

    @inlinable mutating func finishIfEveryoneSpoke() -> [Directive] {
        answers.count + failed.count == replicas.count ? finish() : []
    }

    /// Read repair: every replica that answered with anything but the final merge gets it.
    @inlinable mutating func finish() -> [Directive] {
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
    /// R replicas answered; `merged` is nil when none holds any version of the key.
    case ok(merged: Version?, answered: Int)
    /// Fewer than `required` replicas answered in time.
    case unavailable(answered: Int, required: Int)
}
