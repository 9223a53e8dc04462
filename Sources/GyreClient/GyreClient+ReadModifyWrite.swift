extension GyreClient {
    /// Reads `key`, hands every sibling to `merge` (an empty array when the key is missing), and
    /// writes what it returns with the read's context. When the write's answer still shows
    /// siblings (another client wrote meanwhile), merges those and writes again with the new
    /// context, up to `maxRounds` writes in all.
    ///
    /// Contract: `merge` must be deterministic and keep what each sibling says (for a counter,
    /// a per-writer map merged by maximum): it sees its own earlier result among the siblings.
    /// The result is the last write's answer; after `maxRounds` writes that still show siblings
    /// it is returned as it is (its `values` has more than one entry). Errors of the read or a
    /// write are thrown as they are (a possibly-applied write is not retried).
    public func readModifyWrite(_ key: [UInt8], options: GyreCallOptions = GyreCallOptions(), maxRounds: Int = 8,
                                merge: ([[UInt8]]) throws -> [UInt8]) async throws -> GyreWriteResult {
        precondition(maxRounds >= 1, "maxRounds must be at least 1")
        let read = try await get(key, options: options)
        var written = try await put(key, value: try merge(read.values), context: read.context, options: options)
        var rounds = 1
        while written.values.count > 1 && rounds < maxRounds {
            written = try await put(key, value: try merge(written.values), context: written.context, options: options)
            rounds += 1
        }
        return written
    }
}
