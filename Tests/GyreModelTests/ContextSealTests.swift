import GyreModel
import GyreTestKit
import Testing

/// Sealed contexts: a round trip for the key and cluster they were issued for, a refusal for
/// anything else.
@Suite("ContextSeal")
struct ContextSealTests {
    static func seal(seed: UInt64) -> ContextSeal {
        var random = SeededRandom(seed: seed)
        return ContextSeal(clusterID: ClusterID.random(using: &random), secret: ClusterSecret.random(using: &random))
    }

    static let vector = VersionVector([(actor(3), 7), (actor(9), 1), (NodeID(high: .max, low: 5), VersionVector.maxCounter)])
    let seal = Self.seal(seed: 1)
    let key = Key("user/42")

    @Test func roundTrip() throws {
        let context = seal.seal(Self.vector, for: key)
        #expect(context.bytes.first == ContextSeal.format)
        #expect(context.bytes.count == 1 + (Self.vector.encode().count - 1) + ContextSeal.macByteCount)
        #expect(try seal.open(context, for: key) == Self.vector)
        // The same inputs always seal to the same bytes (any node of the cluster can open them).
        #expect(Self.seal(seed: 1).seal(Self.vector, for: key) == context)
        #expect(try Self.seal(seed: 1).open(context, for: key) == Self.vector)
    }

    @Test func theEmptyContextIsAlwaysValidAndMeansNone() throws {
        #expect(seal.seal(VersionVector(), for: key) == .none)
        #expect(try seal.open(.none, for: key) == nil)
        #expect(try Self.seal(seed: 2).open(.none, for: Key("other")) == nil)
    }

    @Test func everySingleBitFlipIsRefused() throws {
        let bytes = seal.seal(Self.vector, for: key).bytes
        for index in bytes.indices {
            for bit in 0..<8 {
                var flipped = bytes
                flipped[index] ^= 1 << bit
                #expect(throws: ContextRefusal.self, "byte \(index) bit \(bit)") {
                    try seal.open(CausalContext(flipped), for: key)
                }
            }
        }
    }

    @Test func truncatedOrExtendedContextsAreRefused() {
        let bytes = seal.seal(Self.vector, for: key).bytes
        for length in 1..<bytes.count {
            #expect(throws: ContextRefusal.self) { try seal.open(CausalContext(Array(bytes.prefix(length))), for: key) }
        }
        #expect(throws: ContextRefusal.self) { try seal.open(CausalContext(bytes + [0]), for: key) }
    }

    /// A forged context of megabytes is refused on its length, before any MAC is computed; the
    /// longest real one (the most actors) still opens.
    @Test func contextsLongerThanAnyIssuedAreRefusedUnread() throws {
        let huge = CausalContext([ContextSeal.format] + Array(repeating: 0xAB, count: 2 << 20))
        #expect(throws: ContextRefusal.tooLong(1 + (2 << 20))) { try seal.open(huge, for: key) }
        let most = VersionVector((0..<ContextSeal.maxActors).map { (actor(UInt64($0) + 1), VersionVector.maxCounter) })
        let sealed = seal.seal(most, for: key)
        #expect(sealed.bytes.count <= ContextSeal.maxByteCount)
        #expect(try seal.open(sealed, for: key) == most)
    }

    @Test func anotherKeyIsRefused() {
        let context = seal.seal(Self.vector, for: key)
        for other in [Key("user/43"), Key("user/42 "), Key("user/4"), Key([0]), Key(Array(repeating: 7, count: 300))] {
            #expect(throws: ContextRefusal.notIssuedHere) { try seal.open(context, for: other) }
        }
        // The key's length is bound too: ("ab", body) cannot pass for ("a", "b" + body).
        let short = seal.seal(Self.vector, for: Key("a"))
        #expect(throws: ContextRefusal.notIssuedHere) { try seal.open(short, for: Key("ab")) }
    }

    @Test func anotherClusterIdOrSecretIsRefused() {
        let context = seal.seal(Self.vector, for: key)
        var random = SeededRandom(seed: 1)
        let clusterID = ClusterID.random(using: &random)
        let secret = ClusterSecret.random(using: &random)
        var other = SeededRandom(seed: 99)
        let otherCluster = ContextSeal(clusterID: ClusterID.random(using: &other), secret: secret)
        let otherSecret = ContextSeal(clusterID: clusterID, secret: ClusterSecret.random(using: &other))
        #expect(throws: ContextRefusal.notIssuedHere) { try otherCluster.open(context, for: key) }
        #expect(throws: ContextRefusal.notIssuedHere) { try otherSecret.open(context, for: key) }
        #expect(try! ContextSeal(clusterID: clusterID, secret: secret).open(context, for: key) == Self.vector)
    }

    /// What clients could send before: a bare version vector (format 0x11), a huge one, one with a
    /// counter at the limit, garbage.
    @Test func unsealedContextsAreRefused() {
        let huge = VersionVector((1...100_000).map { (actor(UInt64($0)), UInt64(1)) })
        let forged = VersionVector([(actor(1), VersionVector.maxCounter)])
        for bytes in [Self.vector.encode(), huge.encode(), forged.encode(), [0x12], [0xFF, 0x00], Array("garbage".utf8)] {
            #expect(throws: ContextRefusal.self) { try seal.open(CausalContext(bytes), for: key) }
        }
        #expect(throws: ContextRefusal.unknownFormat(VersionVector.encodingFormat)) {
            try seal.open(CausalContext(forged.encode()), for: key)
        }
    }

    @Test func refusalMessagesSayWhatHappened() {
        let message = ContextRefusal.notIssuedHere.description
        #expect(message.contains("context was not issued for this key by this cluster"))
        var random = SeededRandom(seed: 7)
        #expect(ClusterSecret.random(using: &random).description.contains("not shown"))
        #expect(ClusterSecret(bytes: [1, 2, 3]) == nil)
    }
}
