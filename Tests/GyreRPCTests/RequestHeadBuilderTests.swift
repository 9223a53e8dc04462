import GyreRPC
import Testing

@Suite("RequestHeadBuilder")
struct RequestHeadBuilderTests {
    private func head(_ fields: [(String, String)]) -> Result<RequestHead, RPCError> {
        var builder = RequestHeadBuilder()
        for (name, value) in fields { builder.add(name: name, value: value) }
        return builder.finish()
    }

    private let valid: [(String, String)] = [
        (":method", "POST"), (":scheme", "http"), (":path", "/gyre.v1.KV/Get"), (":authority", "localhost"),
        ("content-type", "application/grpc"), ("te", "trailers"),
    ]

    private func error(_ result: Result<RequestHead, RPCError>) -> RPCError? {
        if case let .failure(error) = result { return error }
        return nil
    }

    @Test func acceptedRequest() throws {
        let head = try head(valid + [("grpc-timeout", "100m"), ("grpc-encoding", "identity"),
                                     ("user-agent", "grpc-swift"), ("grpc-accept-encoding", "gzip")]).get()
        #expect(head.path == "/gyre.v1.KV/Get")
        #expect(head.timeoutNanoseconds == 100_000_000)
        #expect(head.metadata.isEmpty)
    }

    @Test("content types of the gRPC family", arguments: ["application/grpc", "application/grpc+proto",
                                                          "application/grpc+json", "application/grpc;charset=utf-8"])
    func acceptedContentTypes(contentType: String) {
        let fields = valid.filter { $0.0 != "content-type" } + [("content-type", contentType)]
        #expect((try? head(fields).get()) != nil)
    }

    @Test func noTimeout() throws {
        #expect(try head(valid).get().timeoutNanoseconds == nil)
    }

    @Test func metadataIsKeptInOrder() throws {
        let head = try head(valid + [("x-request-id", "abc"), ("gyre-trace", "1"), ("x-request-id", "def"),
                                     ("auth-bin", "AAEC")]).get()
        #expect(head.metadata == ["x-request-id": "abc", "gyre-trace": "1", "x-request-id": "def", "auth-bin": "AAEC"])
        #expect(head.metadata["X-Request-ID"] == "abc")
    }

    @Test("wrong method", arguments: ["GET", "PUT", "post"])
    func wrongMethod(method: String) {
        let fields = valid.filter { $0.0 != ":method" } + [(":method", method)]
        let error = error(head(fields))
        #expect(error?.code == .unimplemented)
        #expect(error?.message.contains(method) == true)
    }

    @Test func missingMethodOrPath() {
        #expect(error(head(valid.filter { $0.0 != ":method" }))?.code == .unimplemented)
        #expect(error(head(valid.filter { $0.0 != ":path" }))?.code == .unimplemented)
        #expect(error(head(valid.filter { $0.0 != ":path" } + [(":path", "gyre.v1.KV/Get")]))?.code == .unimplemented)
    }

    @Test("content types outside the gRPC family are refused",
          arguments: ["application/json", "text/plain", "application/grpc-web", "application/grpc-web+proto",
                      "application/grpcx", ""])
    func badContentType(contentType: String) {
        let fields = valid.filter { $0.0 != "content-type" } + [("content-type", contentType)]
        let error = error(head(fields))
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("content-type") == true)
    }

    @Test func missingContentType() {
        #expect(error(head(valid.filter { $0.0 != "content-type" }))?.code == .invalidArgument)
    }

    @Test("compressed requests are UNIMPLEMENTED with a clear message", arguments: ["gzip", "deflate", "snappy"])
    func compressedEncoding(encoding: String) {
        let error = error(head(valid + [("grpc-encoding", encoding)]))
        #expect(error?.code == .unimplemented)
        #expect(error?.message == "grpc-encoding \(encoding) is not supported: send uncompressed (identity) messages")
        #expect(error?.trailers["grpc-accept-encoding"] == "identity")
    }

    @Test("te: trailers is required (INTERNAL otherwise)", arguments: ["", "gzip", "trailers, deflate"])
    func teTrailersRequired(te: String) {
        let wrong = error(head(valid.filter { $0.0 != "te" } + [("te", te)]))
        #expect(wrong?.code == .internal)
        #expect(wrong?.message.contains("te: trailers") == true)
        #expect(error(head(valid.filter { $0.0 != "te" }))?.message.contains("got none") == true)
    }

    @Test("malformed timeouts are INVALID_ARGUMENT", arguments: ["", "1", "S", "123456789S", "1x", "-1S", "1.0S"])
    func malformedTimeout(timeout: String) {
        let error = error(head(valid + [("grpc-timeout", timeout)]))
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("grpc-timeout") == true)
    }

    /// Found by the `FuzzRequestHead` fuzz target (Fuzz/Corpus/FuzzRequestHead/crash-unknown-pseudo-header):
    /// an unknown pseudo-header (here `:wcheme`) came out as metadata. The input is the target's
    /// format, `len(name) name len(value) value` per field, fed as the target feeds it.
    @Test func fuzzUnknownPseudoHeaderIsNotMetadata() throws {
        let input: [UInt8] = [
            0x07, 0x3A, 0x6D, 0x65, 0x74, 0x68, 0x6F, 0x64, 0x04, 0x50, 0x4F, 0x53, 0x54, 0x07, 0x3A, 0x77,
            0x63, 0x68, 0x65, 0x6D, 0x65, 0x04, 0x68, 0x74, 0x74, 0x70, 0x05, 0x3A, 0x70, 0x61, 0x74, 0x68,
            0x0F, 0x2F, 0x67, 0x79, 0x72, 0x65, 0x2E, 0x76, 0x70, 0x2E, 0x31, 0x3A, 0x37, 0x31, 0x30, 0x30,
            0x0C, 0x63, 0x6F, 0x6E, 0x74, 0x65, 0x6E, 0x74, 0x2D, 0x74, 0x79, 0x70, 0x65, 0x10, 0x61, 0x70,
            0x70, 0x6C, 0x69, 0x63, 0x61, 0x74, 0x69, 0x6F, 0x6E, 0x2F, 0x67, 0x72, 0x70, 0x63,
        ]
        var builder = RequestHeadBuilder()
        var offset = 0
        func field() -> [UInt8] {
            let length = offset < input.count ? Int(input[offset]) : 0
            let end = min(input.count, offset + 1 + length)
            defer { offset = end }
            return offset + 1 <= end ? Array(input[(offset + 1)..<end]) : []
        }
        while offset < input.count {
            let name = field(), value = field()
            name.withUnsafeBytes { name in value.withUnsafeBytes { value in builder.add(name: name, value: value) } }
        }
        // The input predates the `te: trailers` rule; without it the head is refused before the
        // metadata could be looked at.
        builder.add(name: "te", value: "trailers")
        let head = try builder.finish().get()
        #expect(head.path == "/gyre.vp.1:7100")
        #expect(head.metadata.isEmpty)
        #expect(try self.head(valid + [(":status", "200"), (":protocol", "websocket")]).get().metadata.isEmpty)
    }
}
