@testable import GyreHTTP2
import GyreRPC
import NIOCore
import NIOEmbedded
import Testing

/// The NIO driver's own rules, on an embedded channel: a server whose output cannot leave
/// (the client reads nothing at the TCP level) closes after the request timeout even when every
/// response is already out of the stream queues; a client that catches up in time is kept; an
/// idle connection evicted for room closes at once.
@Suite("Connection driver")
struct ConnectionDriverTests {
    private static let timeout: UInt64 = 1_000_000_000

    private final class Harness {
        let channel = EmbeddedChannel()
        let observer = CountingObserver()

        init() throws {
            var router = RPCRouter()
            registerTestMethods(&router)
            let observer = self.observer
            let configuration = ServerConfiguration(requestTimeoutNanoseconds: ConnectionDriverTests.timeout)
            let handler = GRPCServerChannelHandler(observer: observer) { loop in
                GRPCServerConnection(configuration: configuration, router: router, limiter: InFlightLimiter(limit: 100),
                                     observer: observer, executor: EventLoopExecutor(loop: loop), now: monotonicNanoseconds)
            }
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            send(RawHTTP2.preface + RawHTTP2.settingsFrame([]) + RawHTTP2.frame(RawHTTP2.settings, flags: RawHTTP2.ack))
            _ = written()
        }

        func send(_ bytes: [UInt8]) {
            var buffer = channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            try? channel.writeInbound(buffer)
        }

        func written() -> [UInt8] {
            var out: [UInt8] = []
            while let buffer = try? channel.readOutbound(as: ByteBuffer.self) { out += buffer.readableBytesView }
            return out
        }

        func setWritable(_ writable: Bool) {
            channel.isWritable = writable
            channel.pipeline.fireChannelWritabilityChanged()
        }

        /// A request for a method that does not exist: its answer is one HEADERS frame, no body.
        func unknownMethodRequest(stream: UInt32) -> [UInt8] {
            RawHTTP2.headersFrame(stream: stream, block: RawHTTP2.requestBlock(path: "/no.Such/Method"))
                + RawHTTP2.dataFrame(stream: stream, MessageFraming.frame([1]), endStream: true)
        }
    }

    @Test func outputThatCannotLeaveClosesTheConnection() throws {
        let harness = try Harness()
        harness.setWritable(false)
        harness.send(harness.unknownMethodRequest(stream: 1))
        #expect(harness.written().isEmpty)
        harness.channel.embeddedEventLoop.advanceTime(by: .nanoseconds(Int64(Self.timeout) - 1_000_000))
        #expect(harness.channel.isActive)
        harness.channel.embeddedEventLoop.advanceTime(by: .nanoseconds(2_000_000))
        #expect(!harness.channel.isActive)
        #expect(harness.observer.count("closed_stalled") == 1)
    }

    @Test func aClientThatCatchesUpInTimeIsKept() throws {
        let harness = try Harness()
        harness.setWritable(false)
        harness.send(harness.unknownMethodRequest(stream: 1))
        harness.channel.embeddedEventLoop.advanceTime(by: .nanoseconds(Int64(Self.timeout) / 2))
        harness.setWritable(true)
        let frames = ServerFrame.parse(harness.written())
        #expect(frames.contains { $0.type == RawHTTP2.headers && $0.stream == 1 })
        harness.channel.embeddedEventLoop.advanceTime(by: .nanoseconds(Int64(Self.timeout) * 2))
        #expect(harness.channel.isActive)
        #expect(harness.observer.count("closed_stalled") == 0)
    }

    @Test func anEvictedIdleConnectionClosesAtOnce() throws {
        let harness = try Harness()
        harness.channel.pipeline.fireUserInboundEventTriggered(EvictIdleEvent())
        let frames = ServerFrame.parse(harness.written())
        #expect(frames.contains { $0.type == 7 })  // GOAWAY
        #expect(!harness.channel.isActive)
        #expect(harness.observer.count("evicted_idle") == 1)
    }
}
