public import GyreModel
import Synchronization

/// A ``StorageEngine`` in process memory: fast, and gone when the process ends.
///
/// Contract: as ``StorageEngine``, with nothing durable: an update is "durable per policy" as
/// soon as it is applied, so the asynchronous forms complete inline on the caller's thread.
/// Records are grouped by partition and the partitions spread over independently locked shards;
/// an update holds only its shard's lock. ``count`` is exact. ``health`` is always `.ok`;
/// ``statistics`` counts writes (`walSyncs` stays 0).
public final class InMemoryEngine: StorageEngine {
    private struct ShardState {
        var partitions: [UInt32: InMemoryPartition] = [:]
        var count = 0
        var writes: UInt64 = 0
    }

    private final class Shard: Sendable {
        let state = Mutex(ShardState())
    }

    private let shards: [Shard]
    private let metadataValues = Mutex<[String: [UInt8]]>([:])
    private let closed = Atomic<Bool>(false)

    public init(shardCount: Int = 64) {
        shards = (0..<max(1, shardCount)).map { _ in Shard() }
    }

    private func shard(for partition: UInt32) -> Shard {
        shards[Int(partition % UInt32(truncatingIfNeeded: shards.count))]
    }

    private func checkOpen() throws(StorageError) {
        if closed.load(ordering: .relaxed) { throw StorageError.closed }
    }

    public func get(_ key: StorageKey) throws(StorageError) -> [UInt8]? {
        try checkOpen()
        return shard(for: key.partition).state.withLock { $0.partitions[key.partition]?.values[key.key] }
    }

    @discardableResult
    public func update(_ key: StorageKey, _ transform: ([UInt8]?) throws(StorageError) -> [UInt8]?) throws(StorageError) -> [UInt8]? {
        try checkOpen()
        let result: Result<[UInt8]?, StorageError> = shard(for: key.partition).state.withLock { state in
            let old = state.partitions[key.partition]?.values[key.key]
            let updated: [UInt8]?
            do throws(StorageError) {
                updated = try transform(old)
            } catch {
                return .failure(error)
            }
            if old != nil || updated != nil {
                let added = state.partitions[key.partition, default: InMemoryPartition()].set(key.key, updated, old: old)
                if !key.isHint { state.count += added }
                if updated == nil, state.partitions[key.partition]?.values.isEmpty == true {
                    state.partitions[key.partition] = nil
                }
            }
            state.writes += 1
            return .success(updated)
        }
        return try result.get()
    }

    public var count: Int {
        shards.reduce(0) { total, shard in total + shard.state.withLock { $0.count } }
    }

    public func scan(partition: UInt32, after: Key?, limit: Int) throws(StorageError) -> [StorageRecord] {
        try checkOpen()
        guard limit > 0 else { return [] }
        return shard(for: partition).state.withLock { state in
            state.partitions[partition]?.scan(after: after, limit: limit) ?? []
        }
    }

    public func metadata(_ name: String) throws(StorageError) -> [UInt8]? {
        try checkOpen()
        return metadataValues.withLock { $0[name] }
    }

    public func setMetadata(_ name: String, _ value: [UInt8]?) throws(StorageError) {
        try checkOpen()
        try StorageMetadata.validateSettable(name)
        metadataValues.withLock { $0[name] = value }
    }

    public var health: StorageHealth { .ok }

    public var statistics: StorageStatistics {
        StorageStatistics(writes: shards.reduce(0) { total, shard in total + shard.state.withLock { $0.writes } })
    }

    public func close() {
        closed.store(true, ordering: .relaxed)
    }
}
