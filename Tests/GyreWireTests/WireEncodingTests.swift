import GyreModel
import GyreRPC
import GyreWire
import Testing

/// The exact bytes GyreWire produces and how it reads hand-built encodings.
@Suite("Wire encodings")
struct WireEncodingTests {
    @Test("encode() is the canonical encoding", arguments: sampleMessages.indices)
    func canonical(index: Int) {
        let message = sampleMessages[index]
        #expect(message.encode() == referenceEncoding(of: message), "\(message)")
    }

    @Test("encodeFramed() is the 5-byte prefix followed by encode()", arguments: sampleMessages.indices)
    func framed(index: Int) {
        let message = sampleMessages[index]
        let body = message.encode()
        #expect(message.encodeFramed() == MessageFraming.frame(body), "\(message)")
        #expect(message.encodeFramed().count == 5 + body.count)
    }

    @Test("chunked encodings of many siblings and counters equal one whole-message encoding",
          arguments: [0, 1, 16, 17, 33, 200])
    func chunkedIsCanonical(count: Int) throws {
        let response = GetResponse(values: (0..<count).map { [UInt8(truncatingIfNeeded: $0), 0] },
                                   context: CausalContext([1]), replicas: 2, ringEpoch: 300)
        #expect(response.encode() == referenceEncoding(of: response))
        #expect(try GetResponse.decode(response.encode()) == response)
        let put = PutResponse(context: CausalContext([2]), replicas: 3, values: response.values, ringEpoch: 301)
        #expect(try PutResponse.decode(put.encode()) == put)
        #expect(try DeleteResponse.decode(DeleteResponse(replicas: 1, ringEpoch: 302).encode())
                    == DeleteResponse(replicas: 1, ringEpoch: 302))
        #expect(response.encodeFramed() == MessageFraming.frame(referenceEncoding(of: response)))
        let stats = NodeStats(nodeID: "n", counters: (0..<count).map { .init(name: "c\($0)", value: UInt64($0)) })
        #expect(stats.encode() == referenceEncoding(of: stats))
        #expect(stats.encodeFramed() == MessageFraming.frame(referenceEncoding(of: stats)))
        let coordinated = CoordinateResponse(result: .get(response))
        #expect(coordinated.encode() == referenceEncoding(of: coordinated))
        #expect(coordinated.encodeFramed() == MessageFraming.frame(referenceEncoding(of: coordinated)))
    }

    @Test("a GetResponse inside a CoordinateResponse gets the right length prefix at every varint size",
          arguments: [0, 1, 120, 121, 122, 123, 124, 125, 126, 127, 128, 16_370, 16_376, 16_377, 16_378, 16_379,
                      16_380, 16_381, 16_382, 16_383, 16_384, 2_097_140, 2_097_150])
    func coordinateGetLengthPrefix(valueLength: Int) {
        // One sibling of `valueLength` bytes makes the embedded response 2 to 4 bytes longer, so
        // these lengths put it on both sides of 127 / 128 and 16 383 / 16 384 bytes.
        let value = [UInt8](repeating: 0xA5, count: valueLength)
        for response in [GetResponse(values: [value], context: .none, replicas: 0),
                         GetResponse(values: [value], context: CausalContext([1]), replicas: 1)] {
            let message = CoordinateResponse(result: .get(response))
            #expect(message.encode() == referenceEncoding(of: message), "\(valueLength)")
            #expect(message.encodeFramed() == MessageFraming.frame(referenceEncoding(of: message)))
        }
    }

    @Test func goldenBytes() {
        let put = PutRequest(key: Key("k"), value: [1, 2], context: .none, w: 3)
        #expect(put.encode() == [0x0A, 0x01, 0x6B, 0x12, 0x02, 0x01, 0x02, 0x20, 0x03])
        #expect(put.encodeFramed() == [0, 0, 0, 0, 9, 0x0A, 0x01, 0x6B, 0x12, 0x02, 0x01, 0x02, 0x20, 0x03])
        #expect(HealthCheckResponse(status: .serving).encode() == [0x08, 0x01])
        #expect(HealthCheckRequest(service: "").encode() == [])
        #expect(ReplicaGetResponse(versionSet: nil).encode() == [])
        #expect(ReplicaGetResponse(versionSet: []).encode() == [0x08, 0x01])
        #expect(ReplicaGetResponse(versionSet: [7]).encode() == [0x08, 0x01, 0x12, 0x01, 0x07])
        #expect(ReplicaPutRequest(key: Key("k"), partition: 300, versionSet: [9], repair: true).encode()
                    == [0x0A, 0x01, 0x6B, 0x10, 0xAC, 0x02, 0x1A, 0x01, 0x09, 0x20, 0x01])
        // A set oneof member is written even when it is empty: it says which case is set.
        #expect(CoordinateRequest(operation: .get(GetRequest(key: Key([])))).encode() == [0x0A, 0x00])
        #expect(CoordinateRequest(operation: .delete(DeleteRequest(key: Key("k"))), hops: 2).encode()
                    == [0x1A, 0x03, 0x0A, 0x01, 0x6B, 0x20, 0x02])
        #expect(CoordinateResponse(result: .get(GetResponse(values: [], context: .none, replicas: 0))).encode()
                    == [0x0A, 0x00])
        #expect(CoordinateResponse(result: .get(GetResponse(values: [[]], context: .none, replicas: 0))).encodeFramed()
                    == [0, 0, 0, 0, 4, 0x0A, 0x02, 0x0A, 0x00])
        #expect(CoordinateResponse(result: .delete(DeleteResponse(replicas: 0))).encode() == [0x1A, 0x00])
    }

    @Test("messages with only default fields encode to nothing", arguments: [
        GetRequest(key: Key([])) as any WireMessage, GetResponse(values: [], context: .none, replicas: 0),
        PutRequest(key: Key([]), value: []), PutResponse(context: .none, replicas: 0),
        DeleteRequest(key: Key([])), DeleteResponse(replicas: 0), StatsRequest(),
        NodeStats(nodeID: "", counters: []), HealthCheckRequest(), HealthCheckResponse(status: .unknown),
        ReplicaGetRequest(key: Key([]), partition: 0), ReplicaGetResponse(versionSet: nil),
        ReplicaPutRequest(key: Key([]), partition: 0, versionSet: []), ReplicaPutResponse(), IdentifyRequest(),
        ReplicaBatchRequest(), ReplicaBatchResponse(),
    ])
    func emptyMessages(message: any WireMessage) throws {
        #expect(message.encode().isEmpty)
        #expect(message.encodeFramed() == [0, 0, 0, 0, 0])
        _ = try type(of: message).decode([])
    }

    @Test("empty input decodes as the all-default message of every type")
    func emptyInput() throws {
        #expect(try GetRequest.decode([]) == GetRequest(key: Key([])))
        #expect(try GetResponse.decode([]) == GetResponse(values: [], context: .none, replicas: 0))
        #expect(try NodeStats.decode([]) == NodeStats(nodeID: "", counters: []))
        #expect(try HealthCheckRequest.decode([]) == HealthCheckRequest(service: ""))
        #expect(try HealthCheckResponse.decode([]) == HealthCheckResponse(status: .unknown))
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        #expect(try PutRequest.decode(empty) == PutRequest(key: Key([]), value: []))
        #expect(try ReplicaGetRequest.decode([]) == ReplicaGetRequest(key: Key([]), partition: 0))
        #expect(try ReplicaGetResponse.decode(empty) == ReplicaGetResponse(versionSet: nil))
        #expect(try ReplicaPutRequest.decode([]) == ReplicaPutRequest(key: Key([]), partition: 0, versionSet: []))
    }

    @Test("empty input is not a CoordinateRequest, CoordinateResponse or IdentifyResponse")
    func emptyInputWithoutRequiredParts() {
        #expect(throws: WireError(message: "malformed gyre.v1.CoordinateRequest (0 bytes): it has no request")) {
            try CoordinateRequest.decode([])
        }
        #expect(throws: WireError(message: "malformed gyre.v1.CoordinateResponse (0 bytes): it has no response")) {
            try CoordinateResponse.decode([])
        }
        #expect(throws: WireError(message: "malformed gyre.v1.IdentifyResponse (0 bytes): node_id is 0 bytes, not 16")) {
            try IdentifyResponse.decode(UnsafeRawBufferPointer(start: nil, count: 0))
        }
    }

    // MARK: Replica service rules

    @Test("found = false decodes as nil, found = true as the bytes, even none")
    func foundIsDistinctFromEmpty() throws {
        #expect(try ReplicaGetResponse.decode([]).versionSet == nil)
        #expect(try ReplicaGetResponse.decode([0x08, 0x01]).versionSet == [])
        #expect(try ReplicaGetResponse.decode([0x08, 0x01, 0x12, 0x00]).versionSet == [])
        #expect(try ReplicaGetResponse.decode([0x08, 0x01, 0x12, 0x02, 0x00, 0xFF]).versionSet == [0x00, 0xFF])
        // Bytes without found = true are "holds nothing": the flag decides, not the bytes.
        #expect(try ReplicaGetResponse.decode([0x12, 0x01, 0x07]).versionSet == nil)
        #expect(try ReplicaGetResponse.decode([0x08, 0x00, 0x12, 0x01, 0x07]).versionSet == nil)
        // Any non-zero varint is true, and the last of two values counts.
        #expect(try ReplicaGetResponse.decode([0x08, 0x02]).versionSet == [])
        #expect(try ReplicaGetResponse.decode([0x08, 0x01, 0x08, 0x00]).versionSet == nil)
    }

    @Test("a Coordinate message with only hops or unknown fields has no request or response")
    func unsetOneof() {
        let hopsOnly = ProtoWriter.build { w in w.field(4, varint: 1) }
        #expect(throws: WireError(message: "malformed gyre.v1.CoordinateRequest (2 bytes): it has no request")) {
            try CoordinateRequest.decode(hopsOnly)
        }
        let unknownOnly = ProtoWriter.build { w in w.field(9, bytes: [0x0A, 0x00]) }
        #expect(throws: WireError(message: "malformed gyre.v1.CoordinateRequest (4 bytes): it has no request")) {
            try CoordinateRequest.decode(unknownOnly)
        }
        #expect(throws: WireError(message: "malformed gyre.v1.CoordinateResponse (4 bytes): it has no response")) {
            try CoordinateResponse.decode(unknownOnly)
        }
        // Field 4 is no member of CoordinateResponse's oneof (it is CoordinateRequest's hops).
        #expect(throws: WireError(message: "malformed gyre.v1.CoordinateResponse (2 bytes): it has no response")) {
            try CoordinateResponse.decode(hopsOnly)
        }
    }

    @Test("an embedded message that is itself malformed makes the whole message malformed")
    func malformedOneofMember() {
        let keyAsVarint: [UInt8] = [0x08, 0x05]
        let request = ProtoWriter.build { w in w.field(1, bytes: keyAsVarint) }
        #expect(throws: WireError(message: "malformed gyre.v1.CoordinateRequest (4 bytes)")) {
            try CoordinateRequest.decode(request)
        }
        let truncated = ProtoWriter.build { w in w.field(2, bytes: [0x0A, 0x05, 0x01]) }
        #expect(throws: WireError.self) { try CoordinateResponse.decode(truncated) }
    }

    @Test("of two oneof members on the wire the last one is set (protobuf-c replaces, it never merges)")
    func oneofGivenTwice() throws {
        let getThenPut = ProtoWriter.build { w in
            w.field(1, bytes: ProtoWriter.build { $0.field(1, bytes: [0x61]) })
            w.field(2, bytes: ProtoWriter.build { $0.field(1, bytes: [0x62]); $0.field(2, bytes: [1]) })
        }
        #expect(try CoordinateRequest.decode(getThenPut)
                    == CoordinateRequest(operation: .put(PutRequest(key: Key("b"), value: [1]))))
        let deleteThenGet = ProtoWriter.build { w in
            w.field(3, bytes: ProtoWriter.build { $0.field(3, varint: 1) })
            w.field(4, varint: 9)
            w.field(1, bytes: ProtoWriter.build { $0.field(2, varint: 2) })
        }
        #expect(try CoordinateRequest.decode(deleteThenGet)
                    == CoordinateRequest(operation: .get(GetRequest(key: Key([]), r: 2)), hops: 9))
        // Protobuf says a message field given twice merges; protobuf-c 1.4.1 does so for a plain
        // message field but replaces a oneof member, so the first key is lost. Gyre never sends
        // a member twice; this pins the behaviour so a library upgrade that changes it is seen.
        let getTwice = ProtoWriter.build { w in
            w.field(1, bytes: ProtoWriter.build { $0.field(1, bytes: [0x61]) })
            w.field(1, bytes: ProtoWriter.build { $0.field(2, varint: 2) })
        }
        #expect(try CoordinateRequest.decode(getTwice)
                    == CoordinateRequest(operation: .get(GetRequest(key: Key([]), r: 2))))
        let responses = ProtoWriter.build { w in
            w.field(1, bytes: ProtoWriter.build { $0.field(1, bytes: [1], always: true) })
            w.field(3, bytes: ProtoWriter.build { $0.field(1, varint: 4) })
        }
        #expect(try CoordinateResponse.decode(responses) == CoordinateResponse(result: .delete(DeleteResponse(replicas: 4))))
    }

    /// An IdentifyResponse with the given id fields, a weight and a secret.
    private func identifyBytes(nodeID: [UInt8], clusterID: [UInt8], weight: UInt64 = 1,
                               secret: [UInt8] = sampleSecret.bytes) -> [UInt8] {
        ProtoWriter.build { w in
            w.field(1, bytes: nodeID)
            w.field(2, varint: weight)
            w.field(3, bytes: Array("c:1".utf8))
            w.field(4, bytes: Array("p:2".utf8))
            w.field(5, bytes: clusterID)
            w.field(6, varint: 64)
            w.field(7, bytes: secret)
        }
    }

    @Test("node_id and cluster_id must be 16 bytes", arguments: [0, 1, 8, 15, 17, 32])
    func wrongLengthIDs(length: Int) {
        let wrong = [UInt8](repeating: 0xAB, count: length)
        let right = sampleNodeID.bytes
        let badNode = identifyBytes(nodeID: wrong, clusterID: right)
        #expect(throws: WireError(message: "malformed gyre.v1.IdentifyResponse (\(badNode.count) bytes): "
                                    + "node_id is \(length) bytes, not 16")) {
            try IdentifyResponse.decode(badNode)
        }
        let badCluster = identifyBytes(nodeID: right, clusterID: wrong)
        #expect(throws: WireError(message: "malformed gyre.v1.IdentifyResponse (\(badCluster.count) bytes): "
                                    + "cluster_id is \(length) bytes, not 16")) {
            try IdentifyResponse.decode(badCluster)
        }
    }

    /// A secret of any other length (none at all: a peer of an older version) is refused.
    @Test("cluster_secret must be 32 bytes", arguments: [0, 1, 16, 31, 33, 64])
    func wrongLengthSecret(length: Int) {
        let bad = identifyBytes(nodeID: sampleNodeID.bytes, clusterID: sampleClusterID.bytes,
                                secret: [UInt8](repeating: 0x5A, count: length))
        #expect(throws: WireError(message: "malformed gyre.v1.IdentifyResponse (\(bad.count) bytes): "
                                    + "cluster_secret is \(length) bytes, not 32")) {
            try IdentifyResponse.decode(bad)
        }
    }

    @Test func identifyResponseFields() throws {
        let decoded = try IdentifyResponse.decode(identifyBytes(nodeID: sampleNodeID.bytes,
                                                                clusterID: sampleClusterID.bytes, weight: 3))
        #expect(decoded == IdentifyResponse(member: Member(id: sampleNodeID, weight: 3, clientAddress: "c:1",
                                                           peerAddress: "p:2"),
                                            clusterID: sampleClusterID, partitionCount: 64, clusterSecret: sampleSecret))
        #expect(decoded.member.id.description == "0080ff00-1234-4abc-8000-0000000000ff")
    }

    @Test("weight 0 on the wire decodes as weight 1, Member's minimum")
    func zeroWeight() throws {
        let decoded = try IdentifyResponse.decode(identifyBytes(nodeID: sampleNodeID.bytes,
                                                                clusterID: sampleClusterID.bytes, weight: 0))
        #expect(decoded.member.weight == 1)
        // A wider varint keeps its low 32 bits, which can be 0 too.
        let wide = try IdentifyResponse.decode(identifyBytes(nodeID: sampleNodeID.bytes,
                                                             clusterID: sampleClusterID.bytes, weight: 1 << 32))
        #expect(wide.member.weight == 1)
    }

    // MARK: decoding hand-built input

    @Test func unknownFieldsAreSkipped() throws {
        let bytes = ProtoWriter.build { w in
            w.field(99, varint: 7)
            w.field(1, bytes: [1])
            w.field(100, bytes: [1, 2, 3])
            w.tag(101, wireType: 5); w.bytes += [1, 2, 3, 4]
            w.tag(102, wireType: 1); w.bytes += [1, 2, 3, 4, 5, 6, 7, 8]
            w.field(4, varint: 2)
        }
        #expect(try PutRequest.decode(bytes) == PutRequest(key: Key([1]), value: [], w: 2))
        #expect(try StatsRequest.decode(bytes) == StatsRequest())
    }

    @Test func singularFieldGivenTwiceKeepsTheLastValue() throws {
        let bytes = ProtoWriter.build { w in
            w.field(1, bytes: [1])
            w.field(2, varint: 5)
            w.field(1, bytes: [2, 2])
            w.field(2, varint: 6)
        }
        #expect(try GetRequest.decode(bytes) == GetRequest(key: Key([2, 2]), r: 6))
    }

    @Test func wrongWireTypeForAKnownFieldIsMalformed() {
        let keyAsVarint = ProtoWriter.build { w in w.tag(1, wireType: 0); w.varint(5) }
        #expect(throws: WireError(message: "malformed gyre.v1.GetRequest (2 bytes)")) {
            try GetRequest.decode(keyAsVarint)
        }
        let quorumAsBytes = ProtoWriter.build { w in w.field(2, bytes: [1]) }
        #expect(throws: WireError.self) { try GetRequest.decode(quorumAsBytes) }
        let counterAsVarint = ProtoWriter.build { w in w.field(2, varint: 1) }
        #expect(throws: WireError.self) { try NodeStats.decode(counterAsVarint) }
        let malformedCounter = ProtoWriter.build { w in w.field(2, bytes: [0x0A, 0x05, 0x61]) }
        #expect(throws: WireError.self) { try NodeStats.decode(malformedCounter) }
    }

    @Test("invalid tags are malformed: field 0, wire types 6 and 7, and groups (protobuf-c skips no groups)",
          arguments: [[0x00, 0x01], [0x2E, 0x00], [0x2F, 0x00], [0x2B, 0x2C], [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]] as [[UInt8]])
    func invalidTags(bytes: [UInt8]) {
        for type in allMessageTypes {
            #expect(throws: WireError.self, "\(type)") { try type.decode(bytes) }
        }
    }

    @Test func errorNamesTheMessageAndSize() {
        let bytes: [UInt8] = [0x0A, 0x05, 1, 2]
        #expect(throws: WireError(message: "malformed gyre.v1.PutRequest (4 bytes)")) { try PutRequest.decode(bytes) }
        #expect(throws: WireError(message: "malformed gyre.v1.StatsResponse (4 bytes)")) { try NodeStats.decode(bytes) }
        #expect(throws: WireError(message: "malformed grpc.health.v1.HealthCheckRequest (4 bytes)")) {
            try HealthCheckRequest.decode(bytes)
        }
        #expect(WireError(message: "x").description == "x")
    }

    @Test("unknown serving status numbers decode as .unknown", arguments: [4, 7, 1_000, -1, Int64(Int32.min)])
    func unknownServingStatus(number: Int64) throws {
        let bytes = ProtoWriter.build { w in w.field(1, varint: UInt64(bitPattern: number)) }
        #expect(try HealthCheckResponse.decode(bytes) == HealthCheckResponse(status: .unknown))
    }

    @Test("a uint32 field keeps the low 32 bits of a wider varint, as protobuf specifies")
    func wideVarintIsTruncated() throws {
        let bytes = ProtoWriter.build { w in w.field(1, varint: 1 << 32 | 5) }
        #expect(try DeleteResponse.decode(bytes) == DeleteResponse(replicas: 5))
    }

    @Test("strings are C strings: cut at the first NUL, invalid UTF-8 repaired")
    func stringEdges() throws {
        let withNUL = ProtoWriter.build { w in w.field(1, bytes: [0x61, 0, 0x62]) }
        #expect(try HealthCheckRequest.decode(withNUL) == HealthCheckRequest(service: "a"))
        #expect(HealthCheckRequest(service: "a\u{0}b").encode() == HealthCheckRequest(service: "a").encode())
        let invalidUTF8 = ProtoWriter.build { w in w.field(1, bytes: [0x61, 0xFF, 0x62]) }
        #expect(try HealthCheckRequest.decode(invalidUTF8) == HealthCheckRequest(service: "a\u{FFFD}b"))
    }
}
