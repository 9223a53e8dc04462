public import GyreModel

/// A record's key and a digest of its stored bytes, as
/// ``StorageEngine/digests(partition:after:limit:)`` returns them for anti-entropy.
///
/// Contract: `digest` is XXH64 with seed 0 of the stored bytes (``KeyHash/xxh64(_:seed:)``), the
/// same function in every engine and on every node, so two replicas hold the same bytes exactly
/// when (barring a hash collision) their digests agree.
public struct KeyDigest: Hashable, Sendable {
    public var key: Key
    public var digest: UInt64

    public init(key: Key, digest: UInt64) {
        self.key = key
        self.digest = digest
    }

    /// The digest of `value`: XXH64, seed 0.
    public static func digest(of value: [UInt8]) -> UInt64 {
        KeyHash.xxh64(value, seed: 0)
    }
}
