import GyreModel
import Synchronization

/// A ``StorageEngine`` in process memory: fast, and gone when the process ends.
///
/// Contract: as ``StorageEngine``; keys are spread over independently locked shards so
/// threads rarely contend; an update holds only its shard's lock.
public final class InMemoryEngine: StorageEngine {
    private final class Shard: Sendable {
        let records = Mutex<[StorageKey: [UInt8]]>([:])
    }

    private let shards: [Shard]

    public init(shardCount: Int = 64) {
        shards = (0..<max(1, shardCount)).map { _ in Shard() }
    }

    private func shard(for key: StorageKey) -> Shard {
        // The partition is already a hash of the key (the ring's): no second hash to pick a shard.
        shards[Int(key.partition % UInt32(shards.count))]
    }

    public func get(_ key: StorageKey) throws(StorageError) -> [UInt8]? {
        shard(for: key).records.withLock { $0[key] }
    }

    @discardableResult
    public func update(_ key: StorageKey, _ transform: ([UInt8]?) throws(StorageError) -> [UInt8]?) throws(StorageError) -> [UInt8]? {
        let result: Result<[UInt8]?, StorageError> = shard(for: key).records.withLock { records in
            do throws(StorageError) {
                let updated = try transform(records[key])
                records[key] = updated
                return .success(updated)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    public var count: Int {
        shards.reduce(0) { total, shard in total + shard.records.withLock { $0.count } }
    }
}
