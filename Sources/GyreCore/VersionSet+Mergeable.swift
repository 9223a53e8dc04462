public import GyreModel

/// Dotted version vector sets merge by `sync`: the replicas' real merge.
extension DVVSet: Mergeable {
    public func merged(with other: DVVSet) -> DVVSet { synced(with: other) }
}
