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
    func chunkedIsCanonical(count: Int) {
        let response = GetResponse(values: (0..<count).map { [UInt8(truncatingIfNeeded: $0), 0] },
                                   context: CausalContext([1]), replicas: 2)
        #expect(response.encode() == referenceEncoding(of: response))
        #expect(response.encodeFramed() == MessageFraming.frame(referenceEncoding(of: response)))
        let stats = NodeStats(nodeID: "n", counters: (0..<count).map { .init(name: "c\($0)", value: UInt64($0)) })
        #expect(stats.encode() == referenceEncoding(of: stats))
        #expect(stats.encodeFramed() == MessageFraming.frame(referenceEncoding(of: stats)))
    }

    @Test func goldenBytes() {
        let put = PutRequest(key: Key("k"), value: [1, 2], context: .none, w: 3)
        #expect(put.encode() == [0x0A, 0x01, 0x6B, 0x12, 0x02, 0x01, 0x02, 0x20, 0x03])
        #expect(put.encodeFramed() == [0, 0, 0, 0, 9, 0x0A, 0x01, 0x6B, 0x12, 0x02, 0x01, 0x02, 0x20, 0x03])
        #expect(HealthCheckResponse(status: .serving).encode() == [0x08, 0x01])
        #expect(HealthCheckRequest(service: "").encode() == [])
    }

    @Test("messages with only default fields encode to nothing", arguments: [
        GetRequest(key: Key([])) as any WireMessage, GetResponse(values: [], context: .none, replicas: 0),
        PutRequest(key: Key([]), value: []), PutResponse(context: .none, replicas: 0),
        DeleteRequest(key: Key([])), DeleteResponse(replicas: 0), StatsRequest(),
        NodeStats(nodeID: "", counters: []), HealthCheckRequest(), HealthCheckResponse(status: .unknown),
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
