/// The hash that routes keys to partitions: XXH64 of the key's bytes with seed 0.
///
/// Contract, written so an SDK in any language can route exactly as the nodes do:
///
///     hash      = XXH64(key bytes, seed 0)      // the standard 64-bit xxHash (xxhash.h, XXH64)
///     partition = hash >> (64 - log2(Q))        // the top log2(Q) bits; with Q = 1, partition 0
///
/// where Q, the cluster's partition count, is a power of two in 1...65536 fixed when the cluster
/// is created. Partition `p` therefore covers the hashes `[p·2^64/Q, (p+1)·2^64/Q)`, so partition
/// numbers run clockwise around the ring and partition `Q-1` is followed by partition 0.
/// The key is hashed as given (no normalisation, no length prefix). Nothing here allocates,
/// reads a clock or draws randomness.
public enum KeyHash {
    /// The seed every Gyre node and SDK uses: 0.
    public static let seed: UInt64 = 0

    /// The largest partition count a cluster may have (2^16).
    public static let maxPartitionCount = 1 << 16

    /// True when `partitionCount` is a power of two in 1...``maxPartitionCount``.
    public static func isValidPartitionCount(_ partitionCount: Int) -> Bool {
        partitionCount >= 1 && partitionCount <= maxPartitionCount
            && partitionCount & (partitionCount - 1) == 0
    }

    /// XXH64 of the key's bytes with seed 0.
    public static func hash(_ key: Key) -> UInt64 {
        key.bytes.withUnsafeBytes { xxh64($0, seed: seed) }
    }

    /// The partition a hash falls in: its top log2(`partitionCount`) bits.
    /// - Precondition: `partitionCount` is valid (``isValidPartitionCount(_:)``).
    public static func partition(ofHash hash: UInt64, partitionCount: Int) -> Int {
        precondition(isValidPartitionCount(partitionCount), "partition count must be a power of two in 1...65536")
        let bits = partitionCount.trailingZeroBitCount
        return bits == 0 ? 0 : Int(truncatingIfNeeded: hash >> UInt64(64 - bits))
    }

    /// The partition `key` belongs to in a ring of `partitionCount` partitions.
    /// - Precondition: `partitionCount` is valid (``isValidPartitionCount(_:)``).
    public static func partition(for key: Key, partitionCount: Int) -> Int {
        partition(ofHash: hash(key), partitionCount: partitionCount)
    }

    /// XXH64 of `bytes` with `seed`.
    public static func xxh64(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { xxh64($0, seed: seed) }
    }

    // MARK: XXH64

    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    /// XXH64 of the bytes in `buffer` with `seed` (the reference algorithm, little-endian reads).
    public static func xxh64(_ buffer: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        let length = buffer.count
        var offset = 0
        var hash: UInt64

        if length >= 32 {
            var v1 = seed &+ prime1 &+ prime2
            var v2 = seed &+ prime2
            var v3 = seed
            var v4 = seed &- prime1
            let stripesEnd = length - 32
            while offset <= stripesEnd {
                v1 = round(v1, load64(buffer, offset))
                v2 = round(v2, load64(buffer, offset + 8))
                v3 = round(v3, load64(buffer, offset + 16))
                v4 = round(v4, load64(buffer, offset + 24))
                offset += 32
            }
            hash = v1.rotatedLeft(1) &+ v2.rotatedLeft(7) &+ v3.rotatedLeft(12) &+ v4.rotatedLeft(18)
            hash = mergeRound(hash, v1)
            hash = mergeRound(hash, v2)
            hash = mergeRound(hash, v3)
            hash = mergeRound(hash, v4)
        } else {
            hash = seed &+ prime5
        }

        hash &+= UInt64(length)

        while offset + 8 <= length {
            hash ^= round(0, load64(buffer, offset))
            hash = hash.rotatedLeft(27) &* prime1 &+ prime4
            offset += 8
        }
        if offset + 4 <= length {
            let word = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            hash ^= UInt64(word) &* prime1
            hash = hash.rotatedLeft(23) &* prime2 &+ prime3
            offset += 4
        }
        while offset < length {
            hash ^= UInt64(buffer[offset]) &* prime5
            hash = hash.rotatedLeft(11) &* prime1
            offset += 1
        }

        hash ^= hash >> 33
        hash &*= prime2
        hash ^= hash >> 29
        hash &*= prime3
        hash ^= hash >> 32
        return hash
    }

    private static func load64(_ buffer: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    private static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        (accumulator &+ input &* prime2).rotatedLeft(31) &* prime1
    }

    private static func mergeRound(_ accumulator: UInt64, _ value: UInt64) -> UInt64 {
        (accumulator ^ round(0, value)) &* prime1 &+ prime4
    }
}

extension UInt64 {
    fileprivate func rotatedLeft(_ count: UInt64) -> UInt64 {
        (self << count) | (self >> (64 - count))
    }
}
