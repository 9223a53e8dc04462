/// A version vector: for each actor (the node that coordinated writes), how many of its events
/// a history contains. The causal context a client reads and hands back is one of these.
///
/// Contract: a value type whose entries are sorted by actor, one per actor, every counter ≥ 1
/// (an actor with no events is absent, so `counter(for:)` is 0 for it); equal vectors have
/// equal entries. ``compare(_:)`` is the only ordering (before / after / equal / concurrent);
/// ``merged(with:)`` is the pointwise maximum, so it is commutative, associative and idempotent.
/// ``encode()`` and ``init(decoding:)`` (in `VersionVector+Encoding.swift`) round-trip exactly.
public struct VersionVector: Sendable, Hashable, CustomStringConvertible {
    /// The highest counter the decoders accept (2⁶²). Far beyond any real key's history (a write
    /// per nanosecond for a century stays below it), it keeps the next event of a decoded, maybe
    /// forged, context from overflowing; ``VersionSetLimits`` refuses writes that pass it.
    public static let maxCounter: UInt64 = 1 << 62

    /// Sorted by actor, one per actor, counters ≥ 1.
    @usableFromInline var dots: [Dot]

    /// The empty vector: no events.
    public init() { dots = [] }

    /// From any (actor, counter) pairs: sorted, duplicates keep the largest counter, zero
    /// counters are dropped.
    public init(_ entries: [(actor: NodeID, counter: UInt64)]) {
        var sorted = entries.filter { $0.counter > 0 }.map { Dot(actor: $0.actor, counter: $0.counter) }
        sorted.sort { ($0.actor, $0.counter) < ($1.actor, $1.counter) }
        var unique: [Dot] = []
        unique.reserveCapacity(sorted.count)
        for dot in sorted {
            if let last = unique.last, last.actor == dot.actor {
                unique[unique.count - 1].counter = dot.counter   // sorted: the later one is larger
            } else {
                unique.append(dot)
            }
        }
        dots = unique
    }

    /// From a counter per actor; zero counters are dropped.
    public init(_ counters: [NodeID: UInt64]) {
        self.init(counters.map { (actor: $0.key, counter: $0.value) })
    }

    /// From dots already sorted by strictly increasing actor with counters ≥ 1 (not checked).
    @usableFromInline init(uncheckedSortedDots: [Dot]) { dots = uncheckedSortedDots }

    /// The entries, sorted by actor.
    public var entries: [(actor: NodeID, counter: UInt64)] { dots.map { ($0.actor, $0.counter) } }

    /// The number of actors with at least one event.
    public var count: Int { dots.count }

    /// True when the vector has no events.
    public var isEmpty: Bool { dots.isEmpty }

    /// The number of `actor`'s events this vector contains (0 when none).
    public func counter(for actor: NodeID) -> UInt64 {
        var low = 0, high = dots.count
        while low < high {
            let middle = (low + high) / 2
            if dots[middle].actor < actor { low = middle + 1 } else { high = middle }
        }
        return low < dots.count && dots[low].actor == actor ? dots[low].counter : 0
    }

    /// True when the event `dot` is part of this history.
    public func contains(_ dot: Dot) -> Bool { dot.counter <= counter(for: dot.actor) }

    /// This history plus the next event of `actor`.
    public func incremented(for actor: NodeID) -> VersionVector {
        merged(with: VersionVector([(actor, counter(for: actor) + 1)]))
    }

    /// The pointwise maximum: the history that contains both.
    public func merged(with other: VersionVector) -> VersionVector {
        var result: [Dot] = []
        result.reserveCapacity(max(dots.count, other.dots.count))
        var left = 0, right = 0
        while left < dots.count, right < other.dots.count {
            let a = dots[left], b = other.dots[right]
            if a.actor < b.actor {
                result.append(a)
                left += 1
            } else if b.actor < a.actor {
                result.append(b)
                right += 1
            } else {
                result.append(Dot(actor: a.actor, counter: max(a.counter, b.counter)))
                left += 1
                right += 1
            }
        }
        result += dots[left...]
        result += other.dots[right...]
        return VersionVector(uncheckedSortedDots: result)
    }

    /// How this history relates to `other`: `.before` when `other` contains all of it and more.
    public func compare(_ other: VersionVector) -> CausalOrder {
        var selfAhead = false, otherAhead = false
        var left = 0, right = 0
        while left < dots.count, right < other.dots.count {
            let a = dots[left], b = other.dots[right]
            if a.actor < b.actor {
                selfAhead = true
                left += 1
            } else if b.actor < a.actor {
                otherAhead = true
                right += 1
            } else {
                if a.counter > b.counter { selfAhead = true }
                if b.counter > a.counter { otherAhead = true }
                left += 1
                right += 1
            }
            if selfAhead, otherAhead { return .concurrent }
        }
        if left < dots.count { selfAhead = true }
        if right < other.dots.count { otherAhead = true }
        switch (selfAhead, otherAhead) {
        case (false, false): return .equal
        case (true, false): return .after
        case (false, true): return .before
        case (true, true): return .concurrent
        }
    }

    /// True when this history contains all of `other` (after or equal).
    public func descends(_ other: VersionVector) -> Bool {
        let order = compare(other)
        return order == .after || order == .equal
    }

    public var description: String {
        "[" + dots.map(\.description).joined(separator: ", ") + "]"
    }
}

extension VersionVector: ExpressibleByDictionaryLiteral {
    /// `[a: 2, b: 1]`; zero counters are dropped, as in ``init(_:)``.
    public init(dictionaryLiteral elements: (NodeID, UInt64)...) {
        self.init(elements.map { (actor: $0.0, counter: $0.1) })
    }
}
