import GyreModel
import GyreRPC
import GyreTestKit
import GyreWire
import Testing

/// decode(encode(m)) == m for every message type, including edge-case field values.
@Suite("Wire round trips")
struct WireRoundTripTests {
    private func roundTrip<M: TestMessage>(_ message: M, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let encoded = message.encode()
        let decoded = try M.decode(encoded)
        #expect(decoded == message, sourceLocation: sourceLocation)
        #expect(try M.decode(Array(message.encodeFramed().dropFirst(MessageFraming.prefixLength))) == message,
                sourceLocation: sourceLocation)
    }

    @Test("every sample message round-trips", arguments: sampleMessages.indices)
    func samples(index: Int) throws {
        try roundTrip(sampleMessages[index])
    }

    @Test func getRequest() throws {
        try roundTrip(GetRequest(key: Key("user:42"), r: 2))
        try roundTrip(GetRequest(key: Key(awkwardBytes), r: 0))
        try roundTrip(GetRequest(key: Key([]), r: UInt32.max))
    }

    @Test func getResponseWithEmptyAndBinarySiblings() throws {
        try roundTrip(GetResponse(values: [], context: .none, replicas: 0))
        try roundTrip(GetResponse(values: [[]], context: .none, replicas: 1))
        try roundTrip(GetResponse(values: [[], [], []], context: CausalContext([0]), replicas: 3))
        try roundTrip(GetResponse(values: [awkwardBytes, [0, 0, 0]], context: CausalContext(awkwardBytes),
                                  replicas: UInt32.max))
    }

    @Test("many siblings, across every chunk boundary of the encoder",
          arguments: [1, 15, 16, 17, 31, 32, 33, 100, 1_000, 5_000])
    func manySiblings(count: Int) throws {
        var random = SeededRandom(seed: UInt64(count))
        let values = (0..<count).map { index in
            index % 7 == 0 ? [] : random.bytes(count: Int(random.next() % 40))
        }
        try roundTrip(GetResponse(values: values, context: CausalContext([1, 2]), replicas: 3))
    }

    @Test func oneMebibyteValue() throws {
        var random = SeededRandom(seed: 0x1_0000)
        let value = random.bytes(count: 1 << 20)
        try roundTrip(PutRequest(key: Key("big"), value: value, context: CausalContext([7]), w: 2))
        try roundTrip(GetResponse(values: [value, value], context: CausalContext([7]), replicas: 2))
        let framed = PutRequest(key: Key("big"), value: value).encodeFramed()
        #expect(framed.count == MessageFraming.prefixLength + PutRequest(key: Key("big"), value: value).encode().count)
    }

    @Test func putAndDelete() throws {
        try roundTrip(PutRequest(key: Key("k"), value: []))
        try roundTrip(PutRequest(key: Key(awkwardBytes), value: awkwardBytes, context: CausalContext(awkwardBytes), w: 3))
        try roundTrip(PutResponse(context: .none, replicas: 0))
        try roundTrip(PutResponse(context: CausalContext(awkwardBytes), replicas: 5))
        try roundTrip(DeleteRequest(key: Key("k")))
        try roundTrip(DeleteRequest(key: Key([0]), context: CausalContext([0]), w: UInt32.max))
        try roundTrip(DeleteResponse(replicas: 0))
        try roundTrip(DeleteResponse(replicas: UInt32.max))
    }

    @Test func statsWithManyCountersAndUnicode() throws {
        try roundTrip(StatsRequest())
        try roundTrip(NodeStats(nodeID: "", counters: []))
        try roundTrip(NodeStats(nodeID: unicodeText, counters: [.init(name: unicodeText, value: 1)]))
        for count in [1, 31, 32, 33, 64, 65, 1_000] {
            let counters = (0..<count).map { NodeStats.Counter(name: "c.\($0).\(unicodeText)", value: UInt64($0) &* 0x9E37_79B9) }
            try roundTrip(NodeStats(nodeID: "node-\(count)", counters: counters))
        }
    }

    @Test func health() throws {
        try roundTrip(HealthCheckRequest())
        try roundTrip(HealthCheckRequest(service: "grpc.health.v1.Health"))
        try roundTrip(HealthCheckRequest(service: unicodeText))
        for status in [ServingStatus.unknown, .serving, .notServing, .serviceUnknown] {
            try roundTrip(HealthCheckResponse(status: status))
        }
    }

    // MARK: Replica service

    @Test func replicaGetAndPut() throws {
        try roundTrip(ReplicaGetRequest(key: Key("user:42"), partition: 17))
        try roundTrip(ReplicaGetRequest(key: Key(awkwardBytes), partition: UInt32.max))
        try roundTrip(ReplicaGetRequest(key: Key([]), partition: 0))
        try roundTrip(ReplicaGetResponse(versionSet: nil))
        try roundTrip(ReplicaGetResponse(versionSet: []))
        try roundTrip(ReplicaGetResponse(versionSet: [0]))
        try roundTrip(ReplicaGetResponse(versionSet: awkwardBytes))
        try roundTrip(ReplicaPutRequest(key: Key("k"), partition: 0, versionSet: []))
        try roundTrip(ReplicaPutRequest(key: Key(awkwardBytes), partition: 5, versionSet: awkwardBytes))
        try roundTrip(ReplicaPutRequest(key: Key([0]), partition: UInt32.max, versionSet: [0], repair: true))
        try roundTrip(ReplicaPutResponse())
    }

    @Test("version sets from empty to 1 MiB, across the length prefix's varint sizes",
          arguments: [0, 1, 127, 128, 16_383, 16_384, 1 << 20])
    func versionSetSizes(count: Int) throws {
        var random = SeededRandom(seed: UInt64(count) | 0x5E7_0000)
        let versionSet = random.bytes(count: count)
        try roundTrip(ReplicaGetResponse(versionSet: versionSet))
        try roundTrip(ReplicaPutRequest(key: Key(awkwardBytes), partition: 3, versionSet: versionSet, repair: true))
        try roundTrip(CoordinateRequest(operation: .put(PutRequest(key: Key(awkwardBytes), value: versionSet,
                                                                   context: CausalContext(versionSet))), hops: 1))
        try roundTrip(CoordinateResponse(result: .get(GetResponse(values: [versionSet, versionSet],
                                                                  context: CausalContext(versionSet), replicas: 2))))
    }

    @Test("every oneof case of CoordinateRequest and CoordinateResponse, with default and extreme fields")
    func coordinateCases() throws {
        let operations: [CoordinateRequest.Operation] = [
            .get(GetRequest(key: Key([]))),
            .get(GetRequest(key: Key("k"), r: 2)),
            .get(GetRequest(key: Key(awkwardBytes), r: UInt32.max)),
            .put(PutRequest(key: Key([]), value: [])),
            .put(PutRequest(key: Key(awkwardBytes), value: awkwardBytes, context: CausalContext(awkwardBytes),
                            w: UInt32.max)),
            .delete(DeleteRequest(key: Key([]))),
            .delete(DeleteRequest(key: Key(awkwardBytes), context: CausalContext([0]), w: 3)),
        ]
        for operation in operations {
            for hops: UInt32 in [0, 1, 127, 128, UInt32.max] {
                try roundTrip(CoordinateRequest(operation: operation, hops: hops))
            }
        }
        let results: [CoordinateResponse.Result] = [
            .get(GetResponse(values: [], context: .none, replicas: 0)),
            .get(GetResponse(values: [[]], context: .none, replicas: 1)),
            .get(GetResponse(values: [awkwardBytes, [], [0]], context: CausalContext(awkwardBytes),
                             replicas: UInt32.max)),
            .put(PutResponse(context: .none, replicas: 0)),
            .put(PutResponse(context: CausalContext(awkwardBytes), replicas: 3)),
            .delete(DeleteResponse(replicas: 0)),
            .delete(DeleteResponse(replicas: UInt32.max)),
        ]
        for result in results {
            try roundTrip(CoordinateResponse(result: result))
        }
    }

    @Test("many siblings inside a CoordinateResponse, across every chunk boundary of the encoder",
          arguments: [1, 15, 16, 17, 31, 32, 33, 100, 1_000, 5_000])
    func coordinateManySiblings(count: Int) throws {
        var random = SeededRandom(seed: UInt64(count) | 0xC00_0000)
        let values = (0..<count).map { index in
            index % 7 == 0 ? [] : random.bytes(count: Int(random.next() % 40))
        }
        try roundTrip(CoordinateResponse(result: .get(GetResponse(values: values, context: CausalContext([1, 2]),
                                                                  replicas: 3))))
    }

    @Test func identify() throws {
        try roundTrip(IdentifyRequest())
        var random = SeededRandom(seed: 0x1D)
        for _ in 0..<100 {
            let member = Member(id: .random(using: &random), weight: UInt32(truncatingIfNeeded: random.next()),
                                clientAddress: "10.0.0.\(random.next() % 256):7000",
                                peerAddress: "node-\(random.next() % 100).gyre.internal:7100")
            try roundTrip(IdentifyResponse(member: member, clusterID: .random(using: &random),
                                           partitionCount: UInt32(truncatingIfNeeded: random.next()),
                                           clusterSecret: .random(using: &random)))
        }
        try roundTrip(IdentifyResponse(member: Member(id: NodeID(high: 0, low: 0)), clusterID: ClusterID(uuid: NodeID(high: 0, low: 0)),
                                       partitionCount: 0, clusterSecret: sampleSecret))
        try roundTrip(IdentifyResponse(member: Member(id: sampleNodeID, weight: 1, clientAddress: unicodeText,
                                                      peerAddress: unicodeText),
                                       clusterID: sampleClusterID, partitionCount: 1, clusterSecret: sampleSecret))
    }

    @Test("decoding reads only the bytes it is given")
    func decodeRespectsBufferBounds() throws {
        let message = PutRequest(key: Key("k"), value: [1, 2, 3], w: 1)
        let padded = message.encode() + [0x0A, 0x7F]  // a field whose length runs past the end
        #expect(throws: WireError.self) { try PutRequest.decode(padded) }
        let decoded = try padded.withUnsafeBytes { bytes throws(WireError) in
            try PutRequest.decode(UnsafeRawBufferPointer(rebasing: bytes[0..<(padded.count - 2)]))
        }
        #expect(decoded == message)
    }
}
