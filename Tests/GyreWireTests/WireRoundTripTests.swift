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
