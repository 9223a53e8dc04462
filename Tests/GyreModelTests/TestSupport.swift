import GyreModel

// Shared fixtures for the GyreModel tests.

/// A node id whose order follows `n` (high bits zero), so tests can name actors a < b < c.
func actor(_ n: UInt64) -> NodeID { NodeID(high: 0, low: n) }

/// The actor names of the dvvset.erl tests, in Erlang term order (atoms, then the list `[a]`).
enum Name {
    static let a = actor(1), b = actor(2), c = actor(3), d = actor(4)
    static let x = actor(24), z = actor(26)
    /// dvvset.erl's `less_test` uses the list `[a]` as an id; lists sort after atoms.
    static let listA = actor(100)
}

extension DVVSet {
    /// A set from `(actor, counter, values)` triples, failing the test when they are invalid.
    static func of(_ entries: [(NodeID, UInt64, [Value])], anonymous: [Value] = []) -> DVVSet {
        guard let set = DVVSet(entries: entries.map { Entry(actor: $0.0, counter: $0.1, values: $0.2) }, anonymousValues: anonymous) else {
            fatalError("invalid test set \(entries)")
        }
        return set
    }
}
