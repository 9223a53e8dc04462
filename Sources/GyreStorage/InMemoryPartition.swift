import GyreModel

/// One partition's records in an ``InMemoryEngine`` shard, with a sorted view of its keys built
/// on the first scan after the key set changed (overwrites keep it).
struct InMemoryPartition {
    var values: [Key: [UInt8]] = [:]
    private var sortedKeys: [Key]?

    /// Sets `key` to `value` (nil: removes it). Returns the change in the number of records.
    mutating func set(_ key: Key, _ value: [UInt8]?, old: [UInt8]?) -> Int {
        values[key] = value
        switch (old, value) {
        case (nil, nil), (.some, .some): return 0
        case (nil, .some):
            sortedKeys = nil
            return 1
        case (.some, nil):
            sortedKeys = nil
            return -1
        }
    }

    /// Up to `limit` records whose keys are bytewise greater than `after`, in key order.
    mutating func scan(after: Key?, limit: Int) -> [StorageRecord] {
        if sortedKeys == nil {
            sortedKeys = values.keys.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        }
        let keys = sortedKeys!
        var low = 0
        if let after {
            // First index whose key is greater than `after`.
            var high = keys.count
            while low < high {
                let middle = (low + high) / 2
                if after.bytes.lexicographicallyPrecedes(keys[middle].bytes) { high = middle } else { low = middle + 1 }
            }
        }
        let end = min(keys.count, low + max(0, limit))
        return keys[low..<end].map { StorageRecord(key: $0, value: values[$0]!) }
    }
}
