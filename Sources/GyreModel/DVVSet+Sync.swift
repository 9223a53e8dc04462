// dvvset:sync, dvvset:update/3 and the private event/merge steps, written after the reference
// dvvset.erl (ricardobcl/Dotted-Version-Vectors, riak_core).

extension DVVSet {
    // MARK: sync

    /// `dvvset:sync/2`: the union of two replicas' sets, keeping exactly the values neither side
    /// has seen superseded, with the merged history (``context`` is the merge of both contexts).
    /// Anonymous values: `other`'s when this history is strictly older, this set's when
    /// `other`'s is, otherwise both, duplicates removed (this set's first).
    // Specialised for the store's values here: callers in other modules cannot specialise it.
    @_specialize(exported: true, where Value == StoredValue)
    public func synced(with other: DVVSet) -> DVVSet {
        let anonymous: [Value]
        if isStrictlyOlder(than: other) {
            anonymous = other.anonymousValues
        } else if other.isStrictlyOlder(than: self) {
            anonymous = anonymousValues
        } else {
            var unique: [Value] = []
            for value in anonymousValues + other.anonymousValues where !unique.contains(value) {
                unique.append(value)
            }
            anonymous = unique
        }
        return DVVSet(uncheckedEntries: Self.syncEntries(entries, other.entries), anonymousValues: anonymous)
    }

    /// `dvvset:sync/1`: every set synced into one (the empty set for none).
    public static func sync<Sets: Sequence<DVVSet>>(_ sets: Sets) -> DVVSet {
        var iterator = sets.makeIterator()
        guard var result = iterator.next() else { return DVVSet() }
        while let next = iterator.next() { result = result.synced(with: next) }
        return result
    }

    /// `sync2`: entries of both, merging the entries of a shared actor.
    private static func syncEntries(_ a: [Entry], _ b: [Entry]) -> [Entry] {
        var result: [Entry] = []
        result.reserveCapacity(max(a.count, b.count))
        var left = 0, right = 0
        while left < a.count, right < b.count {
            let x = a[left], y = b[right]
            if x.actor < y.actor {
                result.append(x)
                left += 1
            } else if y.actor < x.actor {
                result.append(y)
                right += 1
            } else {
                result.append(merge(x, y))
                left += 1
                right += 1
            }
        }
        result += a[left...]
        result += b[right...]
        return result
    }

    /// `merge/5` for one actor. Each side's values are that actor's newest events; the events
    /// below `counter - values.count` are superseded on that side. Keep the longer history's
    /// values that the other side has not superseded.
    private static func merge(_ x: Entry, _ y: Entry) -> Entry {
        let (newer, older) = x.counter >= y.counter ? (x, y) : (y, x)
        let newerFloor = newer.counter - UInt64(newer.values.count)   // invariant: values ≤ counter
        let olderFloor = older.counter - UInt64(older.values.count)
        if newerFloor >= olderFloor { return newer }
        // Keep the events above olderFloor: newer.counter - olderFloor < newer.values.count.
        let keep = Int(newer.counter - olderFloor)
        return Entry(actor: newer.actor, counter: newer.counter, values: Array(newer.values.prefix(keep)))
    }

    // MARK: update

    /// `dvvset:update/3`: the coordinator `actor` writes the value of `new` (made by
    /// ``init(context:value:)`` from the client's context) over this, its local set. The
    /// result is `new`'s history synced with this set's, plus the next event of `actor` holding
    /// the new value; values the client's context covers are gone, concurrent ones stay, and
    /// this set's anonymous values stay unless the client's history is strictly newer.
    /// `DVVSet().updated(with: new, actor:)` is `dvvset:update/2`.
    ///
    /// Precondition: `new` holds exactly one anonymous value (as `init(context:value:)` makes);
    /// `actor` is the node running this code, and this set is its own replica of the key.
    // Specialised for the store's values here: callers in other modules cannot specialise it.
    @_specialize(exported: true, where Value == StoredValue)
    public func updated(with new: DVVSet, actor: NodeID) -> DVVSet {
        precondition(new.anonymousValues.count == 1, "DVVSet.updated(with:actor:) needs a set made by init(context:value:)")
        let clientHistory = DVVSet(uncheckedEntries: new.entries, anonymousValues: [])
        var result = clientHistory.synced(with: self)
        result.entries = Self.event(result.entries, actor: actor, value: new.anonymousValues[0])
        return result
    }

    /// ``updated(with:actor:)`` for `DVVSet(context: context, value: value)`.
    // Specialised for the store's values here: callers in other modules cannot specialise it.
    @_specialize(exported: true, where Value == StoredValue)
    public func updated(context: VersionVector, value: Value, actor: NodeID) -> DVVSet {
        updated(with: DVVSet(context: context, value: value), actor: actor)
    }

    /// `event/3`: `actor`'s next event, holding `value`, at the head of its values.
    private static func event(_ entries: [Entry], actor: NodeID, value: Value) -> [Entry] {
        var result = entries
        var low = 0, high = result.count
        while low < high {
            let middle = (low + high) / 2
            if result[middle].actor < actor { low = middle + 1 } else { high = middle }
        }
        if low < result.count, result[low].actor == actor {
            let old = result[low]
            result[low] = Entry(actor: actor, counter: old.counter + 1, values: [value] + old.values)
        } else {
            result.insert(Entry(actor: actor, counter: 1, values: [value]), at: low)
        }
        return result
    }
}
