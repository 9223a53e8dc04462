/// SHA-256 (FIPS 180-4 §6.2) in pure Swift: the hash under ``HMACSHA256``.
///
/// Contract: a value type holding one running computation; ``update(_:)`` absorbs bytes in any
/// split (the digest depends only on their concatenation), ``finalize()`` returns the 32-byte
/// digest, checked against the FIPS 180-4 examples in the tests. Copying a computation copies its
/// state (no heap storage), which is how ``HMACSHA256Key`` keeps its precomputed pad states.
/// Nothing here allocates until ``finalize()``, reads a clock or draws randomness. Not hardened
/// against timing side channels beyond having no data-dependent branches or table lookups.
public struct SHA256: Sendable {
    /// Length of a digest in bytes.
    public static let digestByteCount = 32
    /// Length of a block in bytes.
    public static let blockByteCount = 64

    private var state: InlineArray<8, UInt32> = [
        0x6A09_E667, 0xBB67_AE85, 0x3C6E_F372, 0xA54F_F53A, 0x510E_527F, 0x9B05_688C, 0x1F83_D9AB, 0x5BE0_CD19,
    ]
    /// The bytes of an incomplete block, `pending` of them.
    private var buffer = InlineArray<64, UInt8>(repeating: 0)
    private var pending = 0
    /// Bytes absorbed so far.
    private var length: UInt64 = 0

    public init() {}

    /// SHA-256 of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Absorbs `bytes`.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Absorbs `bytes`.
    public mutating func update(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Absorbs `bytes`.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        guard count > 0 else { return }
        length &+= UInt64(count)
        var index = 0
        if pending > 0 {
            let take = min(Self.blockByteCount - pending, count)
            for offset in 0..<take { buffer[pending + offset] = bytes[offset] }
            pending += take
            index = take
            guard pending == Self.blockByteCount else { return }
            compressBuffer()
            pending = 0
        }
        while count - index >= Self.blockByteCount {
            var words = InlineArray<16, UInt32>(repeating: 0)
            for word in 0..<16 {
                words[word] = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: index + 4 * word, as: UInt32.self))
            }
            Self.compress(&state, words)
            index += Self.blockByteCount
        }
        for offset in 0..<(count - index) { buffer[offset] = bytes[index + offset] }
        pending = count - index
    }

    /// The digest of everything absorbed (the padding of FIPS 180-4 §5.1.1 is added here, in the
    /// block buffer: 0x80, zeros up to 56 mod 64, then the length in bits as 8 big-endian bytes).
    public consuming func finalize() -> [UInt8] {
        let bits = length &* 8
        buffer[pending] = 0x80
        for index in (pending + 1)..<Self.blockByteCount { buffer[index] = 0 }
        if pending >= 56 {
            compressBuffer()
            for index in 0..<56 { buffer[index] = 0 }
        }
        for byte in 0..<8 { buffer[56 + byte] = UInt8(truncatingIfNeeded: bits >> UInt64(56 - 8 * byte)) }
        compressBuffer()
        var digest = [UInt8](repeating: 0, count: Self.digestByteCount)
        for word in 0..<8 {
            for byte in 0..<4 { digest[4 * word + byte] = UInt8(truncatingIfNeeded: state[word] >> UInt32(24 - 8 * byte)) }
        }
        return digest
    }

    // MARK: the compression function (FIPS 180-4 §6.2.2)

    /// Compresses the full block in `buffer`.
    private mutating func compressBuffer() {
        var words = InlineArray<16, UInt32>(repeating: 0)
        for word in 0..<16 {
            words[word] = UInt32(buffer[4 * word]) << 24 | UInt32(buffer[4 * word + 1]) << 16
                | UInt32(buffer[4 * word + 2]) << 8 | UInt32(buffer[4 * word + 3])
        }
        Self.compress(&state, words)
    }

    private static let roundConstants: [UInt32] = [
        0x428A_2F98, 0x7137_4491, 0xB5C0_FBCF, 0xE9B5_DBA5, 0x3956_C25B, 0x59F1_11F1, 0x923F_82A4, 0xAB1C_5ED5,
        0xD807_AA98, 0x1283_5B01, 0x2431_85BE, 0x550C_7DC3, 0x72BE_5D74, 0x80DE_B1FE, 0x9BDC_06A7, 0xC19B_F174,
        0xE49B_69C1, 0xEFBE_4786, 0x0FC1_9DC6, 0x240C_A1CC, 0x2DE9_2C6F, 0x4A74_84AA, 0x5CB0_A9DC, 0x76F9_88DA,
        0x983E_5152, 0xA831_C66D, 0xB003_27C8, 0xBF59_7FC7, 0xC6E0_0BF3, 0xD5A7_9147, 0x06CA_6351, 0x1429_2967,
        0x27B7_0A85, 0x2E1B_2138, 0x4D2C_6DFC, 0x5338_0D13, 0x650A_7354, 0x766A_0ABB, 0x81C2_C92E, 0x9272_2C85,
        0xA2BF_E8A1, 0xA81A_664B, 0xC24B_8B70, 0xC76C_51A3, 0xD192_E819, 0xD699_0624, 0xF40E_3585, 0x106A_A070,
        0x19A4_C116, 0x1E37_6C08, 0x2748_774C, 0x34B0_BCB5, 0x391C_0CB3, 0x4ED8_AA4A, 0x5B9C_CA4F, 0x682E_6FF3,
        0x748F_82EE, 0x78A5_636F, 0x84C8_7814, 0x8CC7_0208, 0x90BE_FFFA, 0xA450_6CEB, 0xBEF9_A3F7, 0xC671_78F2,
    ]

    @inline(__always)
    private static func rotate(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    /// One block, given as its 16 big-endian words; the message schedule is a rolling window of 16.
    private static func compress(_ state: inout InlineArray<8, UInt32>, _ block: InlineArray<16, UInt32>) {
        var w = block
        var a = state[0], b = state[1], c = state[2], d = state[3]
        var e = state[4], f = state[5], g = state[6], h = state[7]
        @inline(__always)
        func round(_ constant: UInt32, _ wt: UInt32) {
            let sum1 = rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)
            let choice = (e & f) ^ (~e & g)
            let t1 = h &+ sum1 &+ choice &+ constant &+ wt
            let sum0 = rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)
            let majority = (a & b) ^ (a & c) ^ (b & c)
            h = g
            g = f
            f = e
            e = d &+ t1
            d = c
            c = b
            b = a
            a = t1 &+ sum0 &+ majority
        }
        roundConstants.withUnsafeBufferPointer { k in
            for t in 0..<16 { round(k[t], w[t]) }
            for t in 16..<64 {
                let w15 = w[(t + 1) & 15], w2 = w[(t + 14) & 15]
                let s0 = rotate(w15, 7) ^ rotate(w15, 18) ^ (w15 >> 3)
                let s1 = rotate(w2, 17) ^ rotate(w2, 19) ^ (w2 >> 10)
                let wt = w[t & 15] &+ s0 &+ w[(t + 9) & 15] &+ s1
                w[t & 15] = wt
                round(k[t], wt)
            }
        }
        state[0] &+= a
        state[1] &+= b
        state[2] &+= c
        state[3] &+= d
        state[4] &+= e
        state[5] &+= f
        state[6] &+= g
        state[7] &+= h
    }
}
