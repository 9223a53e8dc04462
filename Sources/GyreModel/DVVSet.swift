/// A dotted version vector set (DVVSet, Almeida, Gonçalves et al.): one key's concurrent values
/// (siblings) together with the causal history that explains them. A Swift rendering of the
/// reference `dvvset.erl` (ricardobcl/Dotted-Version-Vectors, also shipped in riak_core).
///
/// Structure: entries sorted by actor, each `(actor, counter, values)`; `counter` is the number
/// of that actor's events the set has seen and `values` holds the values of its newest events
/// not yet superseded, newest first, so `values[i]` is the value of event `counter - i`, and the
/// actor's events `1...(counter - values.count)` are known to be superseded. Values without an
/// event of their own ("anonymous", `dvvset:new/1,2`) sit in a separate list.
///
/// Contract:
/// - Counters are ≥ 1 and never fewer than the actor's values; entries are sorted by strictly
///   increasing actor. Every initializer and operation keeps this.
/// - ``synced(with:)`` (`dvvset:sync`) keeps exactly the values no side has seen superseded;
///   over sets built by ``updated(with:actor:)`` it is commutative, associative and idempotent.
///   Anonymous values follow `dvvset:sync`'s coarser rule (kept from the side whose history is
///   not strictly older; from both, de-duplicated, otherwise), which is not associative.
/// - ``updated(with:actor:)`` (`dvvset:update/3`) makes the coordinator's next event and
///   discards exactly the values the client's context covers.
/// - ``compare(_:)`` is `dvvset:less` both ways, then `dvvset:equal`; ``context`` is
///   `dvvset:join`; ``values`` is `dvvset:values` (anonymous first, then by actor, newest first).
/// - `==` is structural equality (same entries, same values in the same order), stricter than
///   `compare(_:) == .equal`, which looks at the histories only.
/// - Every event of an actor is made by that actor alone and an actor id is never reused after
///   its history is lost; two different values with the same event break every law above.
public struct DVVSet<Value: Sendable & Equatable>: Sendable, Equatable {
    /// One actor's counter and its not-yet-superseded values, newest first.
    public struct Entry: Sendable, Equatable {
        public let actor: NodeID
        public let counter: UInt64
        /// `values[i]` belongs to event `counter - i`.
        public let values: [Value]

        public init(actor: NodeID, counter: UInt64, values: [Value]) {
            self.actor = actor
            self.counter = counter
            self.values = values
        }
    }

    /// Sorted by strictly increasing actor.
    public internal(set) var entries: [Entry]
    /// Values with no event of their own (`dvvset:new/1,2` before an update).
    public internal(set) var anonymousValues: [Value]

    /// The empty set: no values, no history.
    public init() {
        entries = []
        anonymousValues = []
    }

    /// `dvvset:new/1`: one anonymous value with no causal history.
    public init(value: Value) {
        entries = []
        anonymousValues = [value]
    }

    /// `dvvset:new/2`: one anonymous value whose history is `context` (what the client saw).
    /// Hand it to ``updated(with:actor:)`` to give it an event.
    // Specialised for the store's values here: callers in other modules cannot specialise it.
    @_specialize(exported: true, where Value == StoredValue)
    public init(context: VersionVector, value: Value) {
        entries = context.entries.map { Entry(actor: $0.actor, counter: $0.counter, values: []) }
        anonymousValues = [value]
    }

    /// From parts, or nil unless actors strictly increase and every counter is ≥ 1 and ≥ its
    /// number of values. For storage formats and tests; the operations are the usual way in.
    public init?(entries: [Entry], anonymousValues: [Value] = []) {
        for (index, entry) in entries.enumerated() {
            guard entry.counter >= 1, UInt64(entry.values.count) <= entry.counter else { return nil }
            if index > 0, !(entries[index - 1].actor < entry.actor) { return nil }
        }
        self.entries = entries
        self.anonymousValues = anonymousValues
    }

    /// Parts already known to satisfy the invariants.
    init(uncheckedEntries: [Entry], anonymousValues: [Value]) {
        self.entries = uncheckedEntries
        self.anonymousValues = anonymousValues
    }

    // MARK: reading

    /// Every concurrent value (the siblings): anonymous values first, then each actor's in actor
    /// order, newest first (`dvvset:values`). Same set, same order.
    @inlinable
    public var values: [Value] {
        var result = anonymousValues
        for entry in entries { result += entry.values }
        return result
    }

    /// The number of values, anonymous included (`dvvset:size`): the sibling count.
    @inlinable
    public var valueCount: Int {
        entries.reduce(anonymousValues.count) { $0 + $1.values.count }
    }

    /// True when the set holds no value.
    public var isEmpty: Bool { valueCount == 0 }

    /// The whole causal history as a version vector (`dvvset:join`): the context a read returns.
    @inlinable
    public var context: VersionVector {
        VersionVector(uncheckedSortedDots: entries.map { Dot(actor: $0.actor, counter: $0.counter) })
    }

    /// The actors that coordinated an event in this history (`dvvset:ids`).
    public var actors: [NodeID] { entries.map(\.actor) }

    /// Each value that has an event, with that event, in ``values`` order (anonymous left out).
    public var dottedValues: [(dot: Dot, value: Value)] {
        var result: [(dot: Dot, value: Value)] = []
        for entry in entries {
            for (index, value) in entry.values.enumerated() {
                result.append((Dot(actor: entry.actor, counter: entry.counter - UInt64(index)), value))
            }
        }
        return result
    }

    /// The same history with `transform` applied to every value (`dvvset:map`).
    public func mapValues<T: Sendable & Equatable>(_ transform: (Value) throws -> T) rethrows -> DVVSet<T> {
        DVVSet<T>(
            uncheckedEntries: try entries.map {
                DVVSet<T>.Entry(actor: $0.actor, counter: $0.counter, values: try $0.values.map(transform))
            },
            anonymousValues: try anonymousValues.map(transform)
        )
    }

    // MARK: causality

    /// How this set's history relates to `other`'s: `.before` when `dvvset:less(self, other)`,
    /// `.after` when `less(other, self)`, `.equal` when `dvvset:equal` (same actors, counters and
    /// number of values per actor; values themselves ignored), `.concurrent` otherwise.
    // Specialised for the store's values here: callers in other modules cannot specialise it.
    @_specialize(exported: true, where Value == StoredValue)
    public func compare(_ other: DVVSet) -> CausalOrder {
        if Self.strictlyGreater(other.entries, than: entries) { return .before }
        if Self.strictlyGreater(entries, than: other.entries) { return .after }
        if Self.sameHistory(entries, other.entries) { return .equal }
        return .concurrent
    }

    /// `dvvset:less(self, other)`: this history is strictly contained in `other`'s.
    func isStrictlyOlder(than other: DVVSet) -> Bool {
        Self.strictlyGreater(other.entries, than: entries)
    }

    /// `dvvset:greater/3` with `Strict = false`: `a`'s counters ≥ `b`'s for every actor of `b`,
    /// and `a` ahead somewhere (a larger counter or an actor `b` lacks).
    static func strictlyGreater(_ a: [Entry], than b: [Entry]) -> Bool {
        var strict = false
        var left = 0, right = 0
        while true {
            if left == a.count { return right == b.count ? strict : false }
            if right == b.count { return true }
            let x = a[left], y = b[right]
            if x.actor == y.actor {
                if x.counter < y.counter { return false }
                if x.counter > y.counter { strict = true }
                left += 1
                right += 1
            } else if x.actor < y.actor {
                strict = true
                left += 1
            } else {
                return false
            }
        }
    }

    /// `dvvset:equal/2`: same actors, counters and number of values per actor.
    static func sameHistory(_ a: [Entry], _ b: [Entry]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x.actor != y.actor || x.counter != y.counter || x.values.count != y.values.count {
            return false
        }
        return true
    }
}
