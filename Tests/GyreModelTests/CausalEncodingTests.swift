import GyreModel
import GyreTestKit
import Testing

/// The version vector (client context) and version set (storage, replica messages) encodings:
/// exact round trips, exact bytes for a small case, strict refusals, and seeded fuzzing in which
/// every input either throws or decodes to a value whose encoding is the input itself.
@Suite("Causal encodings")
struct CausalEncodingTests {
    // MARK: generators

    static func randomVector(_ random: inout SeededRandom) -> VersionVector {
        let count = Int(random.next() % 6)
        return VersionVector((0..<count).map { _ in
            (actor: random.next() % 4 == 0 ? actor(random.next() % 3) : NodeID.random(using: &random),
             counter: randomCounter(&random))
        })
    }

    static func randomCounter(_ random: inout SeededRandom) -> UInt64 {
        switch random.next() % 4 {
        case 0: return 1 + random.next() % 127
        case 1: return 128 + random.next() % 20_000
        case 2: return VersionVector.maxCounter - random.next() % 3
        default: return 1 + random.next() % VersionVector.maxCounter
        }
    }

    static func randomStoredValue(_ random: inout SeededRandom) -> StoredValue {
        if random.next() % 4 == 0 { return .tombstone }
        let length = random.next() % 8 == 0 ? 130 + Int(random.next() % 300) : Int(random.next() % 12)
        return .value(random.bytes(count: length))
    }

    static func randomVersionSet(_ random: inout SeededRandom) -> VersionSet {
        let entries = randomVector(&random).entries.map { actor, counter in
            let count = Int(min(counter, random.next() % 4))
            return VersionSet.Entry(actor: actor, counter: counter, values: (0..<count).map { _ in randomStoredValue(&random) })
        }
        let anonymous = random.next() % 3 == 0 ? (0..<Int(random.next() % 3)).map { _ in randomStoredValue(&random) } : []
        return VersionSet(entries: entries, anonymousValues: anonymous)!
    }

    /// Decodes `bytes` both ways; whatever decodes must re-encode to exactly `bytes`.
    /// Returns how many of the two decoders accepted them.
    @discardableResult
    static func probe(_ bytes: [UInt8], _ context: @autoclosure () -> String) -> Int {
        var accepted = 0
        do {
            let vector = try VersionVector(decoding: bytes)
            #expect(vector.encode() == bytes, "vector not canonical; \(context())")
            accepted += 1
        } catch {
            #expect(error.description.hasPrefix("malformed causal data: "), "\(context())")
        }
        do {
            let set = try VersionSet(decoding: bytes)
            #expect(set.encode() == bytes, "version set not canonical; \(context())")
            #expect(set.byteSize == bytes.count, "\(context())")
            accepted += 1
        } catch {
            #expect(error.description.hasPrefix("malformed causal data: "), "\(context())")
        }
        return accepted
    }

    // MARK: round trips and exact bytes

    @Test("version vectors round-trip; the empty one is zero bytes", arguments: [1 as UInt64, 2, 3])
    func vectorRoundTrip(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        for iteration in 0..<2_000 {
            let vector = Self.randomVector(&random)
            let bytes = vector.encode()
            #expect(try VersionVector(decoding: bytes) == vector, "seed \(seed), iteration \(iteration)")
            #expect(bytes.isEmpty == vector.isEmpty)
        }
        #expect(VersionVector().encode() == [])
        #expect(try VersionVector(decoding: []) == VersionVector())
    }

    @Test("version sets round-trip and byteSize is the encoded length", arguments: [1 as UInt64, 2, 3])
    func versionSetRoundTrip(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        for iteration in 0..<2_000 {
            let set = Self.randomVersionSet(&random)
            let bytes = set.encode()
            #expect(try VersionSet(decoding: bytes) == set, "seed \(seed), iteration \(iteration)")
            #expect(set.byteSize == bytes.count, "seed \(seed), iteration \(iteration)")
        }
        #expect(VersionSet().encode() == [0x21, 0, 0])
    }

    @Test("exact bytes of a small vector and a small set")
    func exactBytes() throws {
        let id = NodeID(high: 0x0102_0304_0506_0708, low: 0x090A_0B0C_0D0E_0F10)
        let actorBytes: [UInt8] = Array(1...16)
        #expect(VersionVector([id: 300]).encode() == [0x11, 1] + actorBytes + [0xAC, 0x02])
        let set = VersionSet.of([(id, 2, [.value([0xAA]), .tombstone])], anonymous: [.value([])])
        #expect(set.encode() == [0x21, 1] + actorBytes + [2, 2, 1, 1, 0xAA, 0, 1, 1, 0])
    }

    // MARK: strict refusals

    @Test("strict: trailing bytes, unsorted or duplicate actors, zero or huge counters, huge counts")
    func refusals() {
        let one = Array(repeating: UInt8(0), count: 15) + [1]
        let two = Array(repeating: UInt8(0), count: 15) + [2]
        func vector(_ bytes: [UInt8]) -> CausalDecodingError? {
            do { _ = try VersionVector(decoding: bytes); return nil } catch { return error }
        }
        func set(_ bytes: [UInt8]) -> CausalDecodingError? {
            do { _ = try VersionSet(decoding: bytes); return nil } catch { return error }
        }
        #expect(vector([0x11, 1] + one + [1]) == nil)
        #expect(vector([0x11, 1] + one + [1, 0]) == .trailingBytes(count: 1))
        #expect(vector([0x11, 2] + two + [1] + one + [1]) == .unsortedActors)
        #expect(vector([0x11, 2] + one + [1] + one + [2]) == .unsortedActors)
        #expect(vector([0x11, 1] + one + [0]) == .zeroCounter)
        #expect(vector([0x11, 1] + one + [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]) == .counterTooLarge((1 << 62) + 1))
        #expect(vector([0x11, 1] + one + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02]) == .malformedVarint)
        #expect(vector([0x11, 1] + one + [0x81, 0x00]) == .malformedVarint)   // overlong 1
        #expect(vector([0x11, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F] + one + [1]) == .countTooLarge(0xFFFF_FFFF))
        #expect(vector([0x11, 0]) == .nonCanonicalEmpty)
        #expect(vector([0x12, 0]) == .unknownFormat(0x12))
        #expect(vector([0x11]) == .truncated)
        #expect(set([0x21, 1] + one + [1, 2, 0, 0, 0]) == .moreValuesThanEvents)
        #expect(set([0x21, 1] + one + [2, 2, 0, 0, 0]) == nil)
        #expect(set([0x21, 0, 1, 2]) == .unknownValueTag(2))
        #expect(set([0x21, 0, 1, 1, 5, 1, 2]) == .truncated)
        #expect(set([0x21, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]) == .countTooLarge(0x7FFF_FFFF_FFFF_FFFF))
        #expect(set([0x21, 0, 1, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]) == .truncated)
        #expect(set([0x11, 0, 0]) == .unknownFormat(0x11))
        #expect(set([]) == .truncated)
    }

    // MARK: fuzzing

    @Test("random bytes decode or throw, never trap", arguments: [0x6779_7265 as UInt64, 42])
    func randomBytes(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        for iteration in 0..<20_000 {
            var bytes = random.bytes(count: Int(random.next() % 64))
            if !bytes.isEmpty, random.next() % 2 == 0 { bytes[0] = random.next() % 2 == 0 ? 0x11 : 0x21 }
            Self.probe(bytes, "seed \(seed), iteration \(iteration), bytes \(bytes)")
        }
    }

    @Test("every strict prefix of a valid encoding throws", arguments: [5 as UInt64, 6])
    func truncations(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        for iteration in 0..<200 {
            let encodings = [Self.randomVector(&random).encode(), Self.randomVersionSet(&random).encode()]
            for encoded in encodings {
                // Zero bytes are the empty vector, so prefixes start at one byte.
                for length in 1..<max(1, encoded.count) {
                    let prefix = Array(encoded[0..<length])
                    let accepted = Self.probe(prefix, "seed \(seed), iteration \(iteration), prefix \(length) of \(encoded)")
                    // Counts come before what they count, so no strict prefix is complete.
                    #expect(accepted == 0, "seed \(seed), iteration \(iteration), prefix \(length) of \(encoded)")
                }
            }
        }
    }

    @Test("mutated valid encodings decode canonically or throw", arguments: [9 as UInt64, 10])
    func mutations(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var decoded = 0, rejected = 0
        for iteration in 0..<5_000 {
            var bytes = random.next() % 2 == 0 ? Self.randomVector(&random).encode() : Self.randomVersionSet(&random).encode()
            guard !bytes.isEmpty else { continue }
            for _ in 0..<(1 + Int(random.next() % 3)) {
                let index = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 4 {
                case 0: bytes[index] ^= UInt8(1 << (random.next() % 8))
                case 1: bytes[index] = UInt8(truncatingIfNeeded: random.next())
                case 2: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: index)
                default: bytes.remove(at: index)
                }
                if bytes.isEmpty { break }
            }
            let accepted = Self.probe(bytes, "seed \(seed), iteration \(iteration), bytes \(bytes)")
            if accepted > 0 { decoded += 1 } else { rejected += 1 }
        }
        // Both outcomes must occur, or the test proves little.
        #expect(decoded > 100 && rejected > 100, "seed \(seed): decoded \(decoded), rejected \(rejected)")
    }
}
