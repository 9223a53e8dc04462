extension GyreClient {
    /// Reads `key`, merges every sibling with `merge` (it gets an empty array when the key is
    /// missing), applies `modify` to the merged value, and writes the result with the read's
    /// context. When the write's answer still shows siblings (another client wrote meanwhile),
    /// merges those with `merge` alone (this write's change is already among them) and writes
    /// again with the new context, up to `maxRounds` writes in all.
    ///
    /// Contract: `merge` must be a join: deterministic, order-free and idempotent, keeping what
    /// each sibling says (for a counter, a per-writer map merged by maximum), because it sees its
    /// own earlier results among the siblings. `modify` runs exactly once per call. The result is
    /// the last write's answer; after `maxRounds` writes that still show siblings it is returned
    /// as it is (its `values` has more than one entry, each holding this change). Errors of the
    /// read or a write are thrown as they are: a possibly-applied write is never retried.
    /// `merge` and `modify` run on the caller's actor (the helper is `nonisolated(nonsending)`),
    /// so they may use the caller's isolated state.
    nonisolated(nonsending) public func readModifyWrite(_ key: [UInt8], options: GyreCallOptions = GyreCallOptions(), maxRounds: Int = 8,
                                merge: ([[UInt8]]) throws -> [UInt8],
                                modify: ([UInt8]) throws -> [UInt8]) async throws -> GyreWriteResult {
        precondition(maxRounds >= 1, "maxRounds must be at least 1")
        let read = try await get(key, options: options)
        var written = try await put(key, value: try modify(try merge(read.values)), context: read.context, options: options)
        var rounds = 1
        while written.values.count > 1 && rounds < maxRounds {
            written = try await put(key, value: try merge(written.values), context: written.context, options: options)
            rounds += 1
        }
        return written
    }
}
