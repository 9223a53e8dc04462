/// What a coordinator needs of a replica's versions of a key: a merge.
///
/// Contract: `merged(with:)` is commutative, associative and idempotent (a join); two replicas
/// hold the same versions exactly when their values are `==`. Dotted version vector sets are the
/// real conformer; tests also plug in deliberately wrong merges (last-write-wins) to prove the
/// checkers catch lost writes.
public protocol Mergeable: Sendable, Equatable {
    func merged(with other: Self) -> Self
}
