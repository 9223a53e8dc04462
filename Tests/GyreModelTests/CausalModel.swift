import GyreModel

// A deliberately naive reference model of causal histories, independent of the DVVSet
// representation: every write carries its own event (dot) and the full set of events it has
// seen; a replica is the writes it holds plus every event it has seen.

/// One acknowledged write in the model.
struct ModelWrite: Equatable {
    let dot: Dot
    let value: Int
    /// Every event causally before this write (the client's context, as a set of dots).
    let history: Set<Dot>
}

/// One replica's state in the model.
struct ModelReplica: Equatable {
    /// Writes currently held, by event.
    var held: [Dot: ModelWrite] = [:]
    /// Every event this replica has seen (held, superseded, or named by a context).
    var seen: Set<Dot> = []

    /// The held values, sorted (a multiset).
    var values: [Int] { held.values.map(\.value).sorted() }

    /// `seen` as a version vector; nil when `seen` is not downward closed per actor, which would
    /// mean a version vector cannot describe it.
    var context: VersionVector? {
        var highest: [NodeID: UInt64] = [:]
        for dot in seen { highest[dot.actor] = max(highest[dot.actor] ?? 0, dot.counter) }
        let total = highest.values.reduce(0, +)
        guard total == UInt64(seen.count) else { return nil }
        return VersionVector(highest.map { (actor: $0.key, counter: $0.value) })
    }

    /// The coordinator `actor` (this replica) writes `value` with the client's `context`: a new
    /// event after every event of `actor` seen here or by the client; held writes the client's
    /// context covers are superseded.
    mutating func write(value: Int, context: VersionVector, actor: NodeID) -> ModelWrite {
        let history = ModelReplica.dots(of: context)
        let counter = (seen.union(history).filter { $0.actor == actor }.map(\.counter).max() ?? 0) + 1
        let write = ModelWrite(dot: Dot(actor: actor, counter: counter), value: value, history: history)
        held = held.filter { !history.contains($0.key) }
        held[write.dot] = write
        seen.formUnion(history)
        seen.insert(write.dot)
        return write
    }

    /// The two replicas' union: a write is kept exactly when no other kept candidate has it in
    /// its history. (Self-checked against the equivalent rule "kept unless a side has seen it and
    /// no longer holds it" by `syncByForgetting`.)
    func synced(with other: ModelReplica) -> ModelReplica {
        let candidates = held.merging(other.held) { mine, _ in mine }
        let kept = candidates.filter { dot, _ in
            !candidates.values.contains { $0.dot != dot && $0.history.contains(dot) }
        }
        return ModelReplica(held: kept, seen: seen.union(other.seen))
    }

    /// The other sync rule: a write survives unless a side has seen its event and dropped it.
    func syncByForgetting(with other: ModelReplica) -> ModelReplica {
        let candidates = held.merging(other.held) { mine, _ in mine }
        let kept = candidates.filter { dot, _ in
            (held[dot] != nil || !seen.contains(dot)) && (other.held[dot] != nil || !other.seen.contains(dot))
        }
        return ModelReplica(held: kept, seen: seen.union(other.seen))
    }

    /// Dominance between the two histories (what each has seen).
    func compare(_ other: ModelReplica) -> CausalOrder {
        switch (seen.isSubset(of: other.seen), other.seen.isSubset(of: seen)) {
        case (true, true): return .equal
        case (true, false): return .before
        case (false, true): return .after
        case (false, false): return .concurrent
        }
    }

    /// Every event a version vector covers.
    static func dots(of context: VersionVector) -> Set<Dot> {
        var dots: Set<Dot> = []
        for (actor, counter) in context.entries {
            for n in 1...counter { dots.insert(Dot(actor: actor, counter: n)) }
        }
        return dots
    }
}

/// The per-object vector clock that DVVSets replaced (Riak with vnode vector clocks, before 2.0):
/// one version vector for the whole key and a flat list of siblings. A write whose context does
/// not descend the key's clock cannot tell which siblings the client saw, so it keeps them all.
struct NaiveVectorClockObject {
    var clock = VersionVector()
    var siblings: [Int] = []

    mutating func write(value: Int, context: VersionVector, actor: NodeID) {
        if context.descends(clock) {
            siblings = [value]
        } else {
            siblings.append(value)
        }
        clock = clock.merged(with: context).incremented(for: actor)
    }
}
