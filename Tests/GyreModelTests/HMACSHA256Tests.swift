import GyreModel
import GyreTestKit
import Testing

/// SHA-256 against FIPS 180-4's examples and HMAC-SHA256 against RFC 4231's test cases, plus
/// sweeps over lengths (padding edges) and splits checked against Python's `hashlib` / `hmac`.
@Suite("SHA-256 and HMAC-SHA256")
struct HMACSHA256Tests {
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
    }

    /// `n` bytes of a fixed pattern, as the Python reference made them: `(i * 31 + 7) & 0xFF`.
    static func patterned(_ n: Int, _ multiplier: Int = 31, _ offset: Int = 7) -> [UInt8] {
        (0..<n).map { UInt8(truncatingIfNeeded: $0 * multiplier + offset) }
    }

    /// FIPS 180-4 (and its example documents) for SHA-256.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func sha256Examples(_ message: String, _ digest: String) {
        #expect(Self.hex(SHA256.hash(Array(message.utf8))) == digest)
    }

    @Test func sha256OfOneMillionAs() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(Self.hex(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Every length 0...200 (both sides of 55/56 and of each block boundary): SHA-256 of the
    /// concatenated digests, from Python's hashlib.
    @Test func sha256OfEveryLengthUpTo200() {
        var all = SHA256()
        for n in 0...200 { all.update(SHA256.hash(Self.patterned(n))) }
        #expect(Self.hex(all.finalize()) == "2596dc78bf91fcc2d7cdba569d85e7c20f5d24bdc74fb082da12c7272515aa28")
    }

    /// The digest depends only on the bytes, never on how they were split between updates.
    @Test func anySplitGivesTheSameDigest() {
        var random = SeededRandom(seed: 1804)
        for _ in 0..<200 {
            let message = random.bytes(count: Int(random.next() % 300))
            var hasher = SHA256()
            var index = 0
            while index < message.count {
                let take = min(message.count - index, Int(random.next() % 90))
                hasher.update(message[index..<(index + take)])
                index += take
            }
            #expect(hasher.finalize() == SHA256.hash(message))
        }
    }

    /// RFC 4231 §4.2–4.8 (case 5 is compared on its first 128 bits, as the RFC gives it).
    @Test(arguments: [
        ("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", Array("Hi There".utf8),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        ("4a656665", Array("what do ya want for nothing?".utf8),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (String(repeating: "aa", count: 20), [UInt8](repeating: 0xDD, count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ("0102030405060708090a0b0c0d0e0f10111213141516171819", [UInt8](repeating: 0xCD, count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (String(repeating: "0c", count: 20), Array("Test With Truncation".utf8), "a3b6167473100ee06e0c796c2955552b"),
        (String(repeating: "aa", count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (String(repeating: "aa", count: 131),
         Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ])
    func hmacRFC4231(_ key: String, _ data: [UInt8], _ mac: String) {
        let code = HMACSHA256Key(Self.bytes(key)).authenticationCode(for: data)
        #expect(Self.hex(code).hasPrefix(mac))
        #expect(code.count == 32)
    }

    /// Keys of every length 0...130 (shorter than, exactly, and longer than a block), a 100-byte
    /// message: SHA-256 of the concatenated MACs, from Python's hmac module.
    @Test func hmacOfEveryKeyLengthUpTo130() {
        var all = SHA256()
        for length in 0...130 {
            all.update(HMACSHA256Key(Self.patterned(length, 13, 1)).authenticationCode(for: Self.patterned(100)))
        }
        #expect(Self.hex(all.finalize()) == "9648c2fe4d7797a86daa597d32a52c247a942ae558f3dbf932b4d751037928d4")
    }

    /// The precomputed pad states are reused, never consumed: one key, many messages, pieces.
    @Test func oneKeyServesManyMessagesInPieces() {
        let key = HMACSHA256Key(Array("Jefe".utf8))
        for _ in 0..<3 {
            var mac = key.start()
            mac.update(Array("what do ya ".utf8))
            mac.update(Array("want for nothing?".utf8))
            #expect(Self.hex(mac.finalize()) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        }
    }

    @Test func constantTimeEquality() {
        let a: [UInt8] = [1, 2, 3, 4], b: [UInt8] = [1, 2, 3, 5]
        #expect(ConstantTime.equal(a[...], a[...]))
        #expect(!ConstantTime.equal(a[...], b[...]))
        #expect(!ConstantTime.equal(a[...], a[0..<3]))
        #expect(ConstantTime.equal([][...], [][...]))
    }
}
