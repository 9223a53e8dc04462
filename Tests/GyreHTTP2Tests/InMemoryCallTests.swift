import GyreHTTP2
import GyreRPC
import Testing

/// An nghttp2 client session pumped against the server core in memory: the gRPC call
/// semantics, with no sockets.
@Suite struct InMemoryCallTests {
    @Test func unaryCallEchoes() throws {
        let pair = InMemoryPair { registerTestMethods(&$0) }
        let box = pair.call(echoPath, Array("hello".utf8))
        pair.pump()
        let response = try #require(box.response)
        #expect(response.status.code == .ok)
        #expect(try response.unaryMessage() == Array("hello".utf8))
        #expect(!response.trailersOnly)
        #expect(pair.observer.count("Unary.OK") == 1)
    }

    @Test func emptyMessageAndManyCallsOnOneConnection() throws {
        let pair = InMemoryPair { registerTestMethods(&$0) }
        let boxes = (0..<50).map { pair.call(echoPath, Array(repeating: UInt8($0), count: $0)) }
        pair.pump()
        for (index, box) in boxes.enumerated() {
            #expect(try box.response?.unaryMessage() == Array(repeating: UInt8(index), count: index))
        }
    }

    @Test func serverStreamingSendsEveryMessageThenStatus() throws {
        let pair = InMemoryPair { registerTestMethods(&$0) }
        let box = pair.call(streamPath, [5])
        pair.pump()
        let response = try #require(box.response)
        #expect(response.status.code == .ok)
        #expect(box.streamed == [[0], [1], [2], [3], [4]])
    }

    @Test func unknownMethodIsUnimplementedTrailersOnly() throws {
        let pair = InMemoryPair { registerTestMethods(&$0) }
        let box = pair.call("/test.Echo/Nope", [1])
        pair.pump()
        let response = try #require(box.response)
        #expect(response.status.code == .unimplemented)
        #expect(response.status.message.contains("/test.Echo/Nope"))
        #expect(response.trailersOnly)
        #expect(pair.observer.count("unknown") == 1)
    }

    @Test func earlyErrorIsTrailersOnlyWithEncodedMessage() throws {
        let pair = InMemoryPair {
            $0.register("/test.Echo/Fail") { call, _ in call.fail(RPCError(.invalidArgument, "bad key: naïve 100%")) }
        }
        let box = pair.call("/test.Echo/Fail", [])
        pair.pump()
        let response = try #require(box.response)
        #expect(response.status.code == .invalidArgument)
        #expect(response.status.message == "bad key: naïve 100%")
        #expect(response.trailersOnly)
        #expect(response.messages.isEmpty)
    }

    @Test func trailersFollowDataWithCustomMetadata() throws {
        let pair = InMemoryPair {
            $0.register("/test.Echo/PartThenFail") { call, _ in
                call.send(MessageFraming.frame([9]))
                call.finish(RPCStatus(code: .unavailable, message: "only one replica",
                                      trailers: ["gyre-acks": "1", "gyre-outcome": "possibly-applied"]))
            }
        }
        let box = pair.call("/test.Echo/PartThenFail", [])
        pair.pump()
        let response = try #require(box.response)
        #expect(!response.trailersOnly)
        #expect(response.messages == [[9]])
        #expect(response.status.code == .unavailable)
        #expect(response.status.trailers["gyre-acks"] == "1")
        #expect(response.status.trailers["gyre-outcome"] == "possibly-applied")
    }

    @Test func unsupportedEncodingIsUnimplemented() throws {
        let pair = InMemoryPair { registerTestMethods(&$0) }
        let box = pair.call(echoPath, [1], extraHeaders: [("grpc-encoding", "gzip")])
        pair.pump()
        #expect(box.code == .unimplemented)
        #expect(box.response?.status.message.contains("gzip") == true)
    }

    @Test func requestWithContentLengthIsAccepted() throws {
        let pair = InMemoryPair { registerTestMethods(&$0) }
        let message = Array("abc".utf8)
        let box = pair.call(echoPath, message, extraHeaders: [("content-length", String(message.count + 5))])
        pair.pump()
        #expect(try box.response?.unaryMessage() == message)
    }

    @Test func wrongContentLengthResetsOnlyThatStream() throws {
        let pair = InMemoryPair { registerTestMethods(&$0) }
        let bad = pair.call(echoPath, [1, 2, 3], extraHeaders: [("content-length", "100")])
        let good = pair.call(echoPath, [4])
        pair.pump()
        #expect(bad.code != nil && bad.code != .ok)
        #expect(try good.response?.unaryMessage() == [4])
    }

    @Test func oversizedMessageIsResourceExhaustedAndConnectionSurvives() throws {
        let pair = InMemoryPair(configuration: ServerConfiguration(maxMessageBytes: 1024)) { registerTestMethods(&$0) }
        let big = pair.call(echoPath, Array(repeating: 7, count: 2000))
        pair.pump()
        #expect(big.code == .resourceExhausted)
        #expect(big.response?.status.message.contains("2000") == true)
        let small = pair.call(echoPath, Array(repeating: 7, count: 1024))
        pair.pump()
        #expect(try small.response?.unaryMessage().count == 1024)
    }

    @Test func requestWithoutMessageIsInternal() throws {
        let pair = InMemoryPair { registerTestMethods(&$0) }
        let box = ResponseBox()
        pair.client.startCall(path: echoPath, framedRequest: [], onFinish: { box.response = $0 })
        pair.pump()
        #expect(box.code == .internal)
    }
}
