import GyreHTTP2
import GyreRPC
import GyreTestKit
import Testing

/// What one hostile connection can make a server hold: header lists, slow requests, unread
/// responses, buffered bytes, calls, idle time. Each test sends the bytes of the attack.
@Suite("Hostile input, one connection")
struct HostileInputTests {
    private let echo = RawHTTP2.requestBlock(path: echoPath)

    private func unary(_ stream: UInt32, _ message: [UInt8] = [7]) -> [UInt8] {
        RawHTTP2.headersFrame(stream: stream, block: echo)
            + RawHTTP2.dataFrame(stream: stream, MessageFraming.frame(message), endStream: true)
    }

    // MARK: header lists

    /// One 4 KB field put in the HPACK table, then a block of one-byte references to it: 16 KB
    /// on the wire, 64 MB decoded. Four times over the limit within one block, the connection is
    /// dropped at once (GOAWAY ENHANCE_YOUR_CALM) without decoding the rest, and nothing is kept.
    @Test func hpackAmplificationDropsTheConnection() {
        let raw = RawServer()
        raw.open()
        let big = [UInt8](repeating: UInt8(ascii: "a"), count: 4000)
        raw.send(RawHTTP2.headersFrame(stream: 1, block: echo + RawHTTP2.indexedLiteral("x-big", big))
                 + RawHTTP2.dataFrame(stream: 1, MessageFraming.frame([1]), endStream: true))
        #expect(raw.observer.count("Unary.OK") == 1)
        let amplified = echo + Array(repeating: RawHTTP2.indexed(62), count: 16_000).flatMap { $0 }
        #expect(!raw.send(RawHTTP2.headersFrame(stream: 3, block: amplified, endStream: true)))
        #expect(raw.server.mustClose)
        #expect(raw.answers().goAway?.errorCode == 0xB)
        #expect(raw.observer.count("header_list_refused") == 1)
        #expect(raw.observer.count("closed_header_abuse") == 1)
        #expect(!raw.send(unary(5)))
    }

    /// A header list somewhat over the limit: that stream is reset (ENHANCE_YOUR_CALM, which
    /// gRPC clients report as RESOURCE_EXHAUSTED) and the connection goes on serving.
    @Test func anOversizedHeaderListResetsItsStream() {
        let raw = RawServer()
        raw.open()
        let padded = echo + RawHTTP2.literal("x-pad", String(repeating: "p", count: 20_000))
        #expect(raw.send(RawHTTP2.frame(RawHTTP2.headers, stream: 1, Array(padded.prefix(16_000)))
                         + RawHTTP2.frame(9, flags: RawHTTP2.endHeaders, stream: 1, Array(padded.dropFirst(16_000)))))
        let frames = raw.answers()
        #expect(frames.resets(stream: 1).first?.errorCode == 0xB)
        #expect(raw.observer.count("header_list_refused") == 1)
        raw.send(unary(3))
        #expect(raw.observer.count("Unary.OK") == 1)
        _ = raw.answers()
        #expect(raw.server.openStreams == 0)
    }

    @Test func tooManyFieldsAreRefused() {
        let raw = RawServer(configuration: ServerConfiguration(maxHeaderCount: 10))
        raw.open()
        let many = (0..<5).flatMap { RawHTTP2.literal("x-\($0)", "v") }
        raw.send(RawHTTP2.headersFrame(stream: 1, block: echo + many, endStream: true))
        #expect(raw.answers().resets(stream: 1).first?.errorCode == 0xB)
        #expect(raw.observer.count("header_list_refused") == 1)
    }

    /// A connection that keeps sending oversized lists is sent away with ENHANCE_YOUR_CALM.
    @Test func repeatedViolationsGetGoAway() {
        let raw = RawServer(configuration: ServerConfiguration(maxHeaderListBytes: 2048, maxHeaderViolations: 3))
        raw.open()
        let oversized = echo + RawHTTP2.literal("x-pad", String(repeating: "p", count: 3000))
        for index in 0..<3 {
            raw.send(RawHTTP2.headersFrame(stream: UInt32(1 + 2 * index), block: oversized, endStream: true))
        }
        let frames = raw.answers()
        #expect(frames.goAway?.errorCode == 0xB)
        #expect(raw.server.mustClose)
        #expect(raw.observer.count("closed_header_abuse") == 1)
    }

    // MARK: time

    /// Headers, then part of a body, then nothing: answered DEADLINE_EXCEEDED and reset at the
    /// request timeout; while it waited it held no slot of the in-flight budget.
    @Test func slowBodyIsAnsweredAtTheRequestTimeout() {
        let raw = RawServer(inFlightLimit: 1)
        raw.open()
        raw.send(RawHTTP2.headersFrame(stream: 1, block: echo) + RawHTTP2.dataFrame(stream: 1, [0, 0, 0]))
        #expect(raw.limiter.inFlight == 0)
        raw.send(unary(3))
        #expect(raw.observer.count("Unary.OK") == 1)
        _ = raw.answers()
        let timeout = raw.server.configuration.requestTimeoutNanoseconds
        #expect(raw.server.nextDeadline == raw.clock.now() + timeout)
        raw.clock.advance(byNanoseconds: timeout)
        raw.server.expireDeadlines(now: raw.clock.now())
        let frames = raw.answers()
        #expect(raw.observer.count("Unary.DEADLINE_EXCEEDED") == 1)
        #expect(raw.observer.count("request_timed_out") == 1)
        #expect(frames.resets(stream: 1).first?.errorCode == 0)
        #expect(raw.server.bufferedRequestBytes == 0)
    }

    /// Many streams that never finish their body take no in-flight slot: complete calls from the
    /// same connection still run.
    @Test func incompleteRequestsHoldNoSlots() {
        let raw = RawServer(inFlightLimit: 2)
        raw.open()
        for stream in stride(from: UInt32(1), through: 19, by: 2) {
            raw.send(RawHTTP2.headersFrame(stream: stream, block: echo) + RawHTTP2.dataFrame(stream: stream, [0]))
        }
        raw.send(unary(21))
        #expect(raw.observer.count("Unary.OK") == 1)
        #expect(raw.observer.count("overloaded") == 0)
    }

    @Test func idleConnectionIsClosedAfterTheIdleTimeout() {
        let raw = RawServer()
        raw.open()
        raw.send(unary(1))
        _ = raw.answers()
        let idle = raw.server.configuration.idleTimeoutNanoseconds
        let deadline = raw.server.nextDeadline
        #expect(deadline == raw.clock.now() + idle)
        raw.clock.advance(byNanoseconds: idle)
        raw.server.expireDeadlines(now: raw.clock.now())
        #expect(raw.answers().goAway?.errorCode == 0)
        #expect(!raw.server.isAlive)
        #expect(raw.observer.count("closed_idle") == 1)
    }

    /// An open call is not idle, however long it lasts (long-lived streams).
    @Test func anOpenCallIsNotIdle() {
        let raw = RawServer()
        raw.open()
        raw.send(RawHTTP2.headersFrame(stream: 1, block: RawHTTP2.requestBlock(path: holdPath))
                 + RawHTTP2.dataFrame(stream: 1, MessageFraming.frame([1]), endStream: true))
        #expect(raw.held.count == 1)
        #expect(raw.server.nextDeadline == nil)
        raw.clock.advance(byNanoseconds: 10 * raw.server.configuration.idleTimeoutNanoseconds)
        raw.server.expireDeadlines(now: raw.clock.now())
        #expect(raw.server.isAlive)
        #expect(raw.answers().goAway == nil)
    }

    // MARK: memory

    /// A client that never opens its window: responses queue up to the unsent limit, then are
    /// replaced by RESOURCE_EXHAUSTED; after the request timeout with no progress the connection
    /// must close. (Reading goes on meanwhile: the window updates that drain the backlog arrive
    /// on the read side.)
    @Test func unreadResponsesAreBounded() {
        let raw = RawServer(configuration: ServerConfiguration(maxUnsentBytes: 256 << 10))
        raw.open(settings: [(4, 0)])
        let payload = [UInt8](repeating: 9, count: 100 << 10)
        for index in 0..<10 {
            let stream = UInt32(1 + 2 * index)
            raw.send(RawHTTP2.headersFrame(stream: stream, block: echo)
                     + stride(from: 0, to: payload.count + 5, by: 16_384).map { offset -> [UInt8] in
                         let framed = MessageFraming.frame(payload)
                         let end = min(offset + 16_384, framed.count)
                         return RawHTTP2.dataFrame(stream: stream, Array(framed[offset..<end]), endStream: end == framed.count)
                     }.flatMap { $0 })
        }
        _ = raw.answers()
        #expect(raw.observer.count("Unary.OK") == 2)
        #expect(raw.observer.count("Unary.RESOURCE_EXHAUSTED") == 8)
        #expect(raw.observer.count("response_refused_unread") == 8)
        #expect(raw.server.unsentBytes <= 256 << 10)
        raw.clock.advance(byNanoseconds: raw.server.configuration.requestTimeoutNanoseconds)
        raw.server.expireDeadlines(now: raw.clock.now())
        #expect(raw.server.mustClose)
        #expect(raw.observer.count("closed_stalled") == 1)
    }

    /// The same backlog drains once the client opens its window.
    @Test func aReaderThatCatchesUpIsServed() {
        let raw = RawServer(configuration: ServerConfiguration(maxUnsentBytes: 256 << 10))
        raw.open(settings: [(4, 0)])
        raw.send(unary(1, [UInt8](repeating: 1, count: 10_000)))
        _ = raw.answers()
        #expect(raw.server.unsentBytes == 10_005)
        // SETTINGS_INITIAL_WINDOW_SIZE back to 64 KiB opens every stream's window.
        raw.send(RawHTTP2.settingsFrame([(4, 65_535)]))
        _ = raw.answers()
        #expect(raw.server.unsentBytes == 0)
        raw.clock.advance(byNanoseconds: raw.server.configuration.requestTimeoutNanoseconds)
        raw.server.expireDeadlines(now: raw.clock.now())
        #expect(!raw.server.mustClose)
    }

    /// Partial bodies on many streams: the one that would pass the connection's buffer budget is
    /// refused, and a stream reset by the client gives its bytes back.
    @Test func bufferedRequestBytesAreBounded() {
        let configuration = ServerConfiguration(maxMessageBytes: 64 << 10, maxBufferedRequestBytes: 100_000)
        let raw = RawServer(configuration: configuration)
        raw.open()
        let prefix: [UInt8] = [0, 0, 1, 0, 0]  // a 64 KiB message
        let chunk = [UInt8](repeating: 3, count: 16_000)
        func partial(_ stream: UInt32) -> [UInt8] {
            RawHTTP2.headersFrame(stream: stream, block: echo) + RawHTTP2.dataFrame(stream: stream, prefix)
                + (0..<2).flatMap { _ in RawHTTP2.dataFrame(stream: stream, chunk) }
        }
        for stream: UInt32 in [1, 3, 5, 7] { raw.send(partial(stream)) }
        #expect(raw.observer.count("request_bytes_refused") == 1)
        #expect(raw.observer.count("Unary.RESOURCE_EXHAUSTED") == 1)
        #expect(raw.server.bufferedRequestBytes == 3 * (5 + 32_000))
        raw.send(RawHTTP2.frame(RawHTTP2.rstStream, stream: 1, [0, 0, 0, 8]))
        #expect(raw.server.bufferedRequestBytes == 2 * (5 + 32_000))
    }

    // MARK: budgets

    /// One connection holds at most its share of the ordinary budget; health checks draw on
    /// their own budget and are answered even when the ordinary one is spent.
    @Test func connectionShareAndHealthBudget() {
        let raw = RawServer(configuration: ServerConfiguration(maxCallsPerConnection: 2), inFlightLimit: 3, register: { router in
            router.register("/test.Health/Check", budget: .health) { call, request in call.respond(MessageFraming.frame(request)) }
        })
        raw.open()
        let hold = RawHTTP2.requestBlock(path: holdPath)
        for stream: UInt32 in [1, 3, 5] {
            raw.send(RawHTTP2.headersFrame(stream: stream, block: hold)
                     + RawHTTP2.dataFrame(stream: stream, MessageFraming.frame([1]), endStream: true))
        }
        #expect(raw.held.count == 2)
        #expect(raw.observer.count("connection_share_exhausted") == 1)
        #expect(raw.observer.count("Hold.RESOURCE_EXHAUSTED") == 1)
        raw.send(RawHTTP2.headersFrame(stream: 7, block: RawHTTP2.requestBlock(path: "/test.Health/Check"))
                 + RawHTTP2.dataFrame(stream: 7, MessageFraming.frame([1]), endStream: true))
        #expect(raw.observer.count("Check.OK") == 1)
        #expect(raw.limiter.inFlight == 2)
    }

    /// Streams that stay open (ring watches) draw on the long-lived budget: past it they are
    /// RESOURCE_EXHAUSTED, and ordinary calls are still served.
    @Test func longLivedStreamsHaveABudgetOfTheirOwn() {
        let watches = InFlightLimiter(limit: 2)
        let raw = RawServer(budgets: { CallBudgets(calls: $0, longLived: watches) }, register: { router in
            router.register("/test.Watch/Stream", budget: .longLived) { call, _ in call.send(MessageFraming.frame([7])) }
            router.register("/test.Echo/Check") { call, request in call.respond(MessageFraming.frame(request)) }
        })
        raw.open()
        let watch = RawHTTP2.requestBlock(path: "/test.Watch/Stream")
        for stream: UInt32 in [1, 3, 5] {
            raw.send(RawHTTP2.headersFrame(stream: stream, block: watch)
                     + RawHTTP2.dataFrame(stream: stream, MessageFraming.frame([1]), endStream: true))
        }
        #expect(watches.inFlight == 2)
        #expect(raw.observer.count("Stream.RESOURCE_EXHAUSTED") == 1)
        raw.send(RawHTTP2.headersFrame(stream: 7, block: RawHTTP2.requestBlock(path: "/test.Echo/Check"))
                 + RawHTTP2.dataFrame(stream: 7, MessageFraming.frame([1]), endStream: true))
        #expect(raw.observer.count("Check.OK") == 1)
        // A watch that ends gives its slot back.
        raw.send(RawHTTP2.frame(RawHTTP2.rstStream, stream: 1, [0, 0, 0, 8]))
        #expect(watches.inFlight == 1)
    }
}
