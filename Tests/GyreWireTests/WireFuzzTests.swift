import GyreModel
import GyreTestKit
import GyreWire
import Testing

/// Seeded fuzz-style tests: no input may crash a decoder. Each either throws ``WireError`` or
/// returns a message, and a message that decodes must survive its own round trip. A failure
/// prints the seed; a crash replays exactly from the fixed seeds below.
@Suite("Wire fuzzing")
struct WireFuzzTests {
    /// Decodes `bytes` as `M`; when that succeeds, checks the result round-trips.
    /// Returns whether the bytes decoded.
    @discardableResult
    private func probe<M: TestMessage>(_: M.Type, _ bytes: [UInt8], _ context: @autoclosure () -> String) -> Bool {
        let decoded: M
        do {
            decoded = try M.decode(bytes)
        } catch {
            #expect(error.message.hasPrefix("malformed "), "\(context())")
            return false
        }
        let again = try? M.decode(decoded.encode())
        #expect(again == decoded, "re-encoding a decoded message changed it; \(context())")
        return true
    }

    private func probeAllTypes(_ bytes: [UInt8], _ context: @autoclosure () -> String) -> Int {
        var decoded = 0
        for type in allMessageTypes where probeOpened(type, bytes, context()) {
            decoded += 1
        }
        return decoded
    }

    private func probeOpened<M: TestMessage>(_ type: M.Type, _ bytes: [UInt8], _ context: String) -> Bool {
        probe(type, bytes, "\(M.self) \(context)")
    }

    @Test("random byte strings decode or throw, as every message type", arguments: [0x6779_7265 as UInt64, 42])
    func randomBytes(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var decoded = 0
        var rejected = 0
        for iteration in 0..<10_000 {
            let bytes = random.bytes(count: Int(random.next() % 201))
            let accepted = probeAllTypes(bytes, "seed \(seed), iteration \(iteration), bytes \(bytes)")
            decoded += accepted
            rejected += allMessageTypes.count - accepted
        }
        // Both paths must have been exercised, or the test proves nothing.
        #expect(decoded > 0 && rejected > 0, "seed \(seed): decoded \(decoded), rejected \(rejected)")
    }

    @Test("random byte strings built from plausible tags decode or throw", arguments: [7 as UInt64, 8])
    func plausibleFields(seed: UInt64) {
        // Random bytes rarely form valid tags; splice valid-looking tags (fields 1 to 4, every
        // wire type) with random lengths and payloads to reach deeper into the parser.
        var random = SeededRandom(seed: seed)
        for iteration in 0..<5_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(random.next() % 6) {
                bytes.append(UInt8(random.next() % 5 + 1) << 3 | UInt8(random.next() % 6))
                switch random.next() % 3 {
                case 0: bytes.append(UInt8(random.next() % 12))
                case 1: bytes += [0x80 | UInt8(random.next() % 128), UInt8(random.next() % 3)]
                default: break
                }
                bytes += random.bytes(count: Int(random.next() % 12))
            }
            _ = probeAllTypes(bytes, "seed \(seed), iteration \(iteration), bytes \(bytes)")
        }
    }

    @Test("every truncation of a valid encoding decodes or throws", arguments: sampleMessages.indices)
    func truncations(index: Int) {
        func check<M: TestMessage>(_ message: M) {
            let encoded = message.encode()
            for length in 0..<encoded.count {
                let prefix = Array(encoded[0..<length])
                probe(M.self, prefix, "sample \(index), prefix of \(length) of \(encoded.count) bytes")
                _ = probeAllTypes(prefix, "sample \(index), prefix \(length)")
            }
        }
        check(sampleMessages[index])
    }

    @Test("single-byte mutations of valid encodings decode or throw", arguments: sampleMessages.indices)
    func mutations(index: Int) {
        let seed = UInt64(index) &+ 0xF022
        var random = SeededRandom(seed: seed)
        func check<M: TestMessage>(_ message: M) {
            let encoded = message.encode()
            for position in encoded.indices {
                let replacements: [UInt8] = [0x00, 0xFF, 0x80, 0x7F, encoded[position] ^ 0x01,
                                             encoded[position] &+ 1, encoded[position] &- 1,
                                             UInt8(truncatingIfNeeded: random.next())]
                for replacement in replacements where replacement != encoded[position] {
                    var mutated = encoded
                    mutated[position] = replacement
                    probe(M.self, mutated, "seed \(seed), sample \(index), byte \(position) = \(replacement)")
                }
            }
        }
        check(sampleMessages[index])
    }

    @Test("mutated large messages decode or throw")
    func largeMutations() {
        let seed: UInt64 = 0xB16
        var random = SeededRandom(seed: seed)
        let message = GetResponse(values: (0..<64).map { random.bytes(count: Int($0) * 37) },
                                  context: CausalContext(random.bytes(count: 40)), replicas: 3)
        let encoded = message.encode()
        for iteration in 0..<2_000 {
            var mutated = encoded
            for _ in 0..<Int(random.next() % 3 + 1) {
                mutated[Int(random.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: random.next())
            }
            probe(GetResponse.self, mutated, "seed \(seed), iteration \(iteration)")
        }
    }

    @Test("mutated large Replica messages decode or throw")
    func largeReplicaMutations() {
        let seed: UInt64 = 0x4E71CA
        var random = SeededRandom(seed: seed)
        let siblings = (0..<40).map { random.bytes(count: Int($0) * 29) }
        let versionSet = random.bytes(count: 3_000)
        func mutate<M: TestMessage>(_ message: M, _ name: String) {
            let encoded = message.encode()
            for iteration in 0..<1_000 {
                var mutated = encoded
                for _ in 0..<Int(random.next() % 3 + 1) {
                    mutated[Int(random.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: random.next())
                }
                probe(M.self, mutated, "seed \(seed), \(name), iteration \(iteration)")
            }
        }
        mutate(CoordinateResponse(result: .get(GetResponse(values: siblings, context: CausalContext(versionSet),
                                                           replicas: 3))), "CoordinateResponse")
        mutate(CoordinateRequest(operation: .put(PutRequest(key: Key(awkwardBytes), value: versionSet,
                                                            context: CausalContext(siblings[9]), w: 2)), hops: 1),
               "CoordinateRequest")
        mutate(ReplicaPutRequest(key: Key(awkwardBytes), partition: 77, versionSet: versionSet, repair: true),
               "ReplicaPutRequest")
        mutate(ReplicaGetResponse(versionSet: versionSet), "ReplicaGetResponse")
        mutate(IdentifyResponse(member: Member(id: sampleNodeID, weight: 3, clientAddress: unicodeText,
                                               peerAddress: "p:1"), clusterID: sampleClusterID, partitionCount: 9,
                                clusterSecret: sampleSecret),
               "IdentifyResponse")
    }

    @Test("random valid Coordinate messages, re-encoded, decode to themselves", arguments: [0xC0 as UInt64, 0xC1])
    func randomCoordinateMessages(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        func bytes(_ random: inout SeededRandom) -> [UInt8] {
            random.next() % 4 == 0 ? [] : random.bytes(count: Int(random.next() % 50))
        }
        for iteration in 0..<2_000 {
            let quorum = UInt32(truncatingIfNeeded: random.next() % 3 == 0 ? 0 : random.next())
            let operation: CoordinateRequest.Operation
            let result: CoordinateResponse.Result
            switch random.next() % 3 {
            case 0:
                operation = .get(GetRequest(key: Key(bytes(&random)), r: quorum))
                result = .get(GetResponse(values: (0..<Int(random.next() % 40)).map { _ in bytes(&random) },
                                          context: CausalContext(bytes(&random)), replicas: quorum))
            case 1:
                operation = .put(PutRequest(key: Key(bytes(&random)), value: bytes(&random),
                                            context: CausalContext(bytes(&random)), w: quorum))
                result = .put(PutResponse(context: CausalContext(bytes(&random)), replicas: quorum))
            default:
                operation = .delete(DeleteRequest(key: Key(bytes(&random)), context: CausalContext(bytes(&random)),
                                                  w: quorum))
                result = .delete(DeleteResponse(replicas: quorum))
            }
            let request = CoordinateRequest(operation: operation, hops: UInt32(random.next() % 3))
            let response = CoordinateResponse(result: result)
            #expect(request.encode() == referenceEncoding(of: request), "seed \(seed), iteration \(iteration)")
            #expect(try CoordinateRequest.decode(request.encode()) == request, "seed \(seed), iteration \(iteration)")
            #expect(response.encode() == referenceEncoding(of: response), "seed \(seed), iteration \(iteration)")
            #expect(try CoordinateResponse.decode(response.encode()) == response, "seed \(seed), iteration \(iteration)")
        }
    }
}
