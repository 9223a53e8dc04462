import GyreHTTP2
import GyreRPC
import GyreTestKit
import Testing

/// Deadlines, cancellation, overload and graceful shutdown, pumped in memory.
@Suite struct InMemoryLifecycleTests {
    @Test func serverAnswersDeadlineExceededWhenHandlerIsLate() throws {
        let held = HeldCalls()
        let pair = InMemoryPair { registerTestMethods(&$0, held: held) }
        let box = pair.call(holdPath, [1], timeoutNanoseconds: 100_000_000)
        pair.pump()
        #expect(held.count == 1)
        #expect(box.response == nil)
        let call = held.all[0].0
        #expect(!call.isExpired)
        pair.clock.advance(byMilliseconds: 99)
        pair.server.expireDeadlines(now: pair.clock.now())
        pair.pump()
        #expect(box.response == nil)
        pair.clock.advance(byMilliseconds: 2)
        #expect(call.isExpired)
        pair.server.expireDeadlines(now: pair.clock.now())
        pair.pump()
        #expect(box.code == .deadlineExceeded)
        #expect(pair.observer.count("deadline") == 1)
        // The late answer is dropped.
        call.respond(MessageFraming.frame([1]))
        pair.pump()
        #expect(box.code == .deadlineExceeded)
        #expect(pair.observer.count("Hold.DEADLINE_EXCEEDED") == 1)
        #expect(pair.observer.count("Hold.OK") == 0)
    }

    /// A finished call's deadline must not keep a timer armed: under load that woke the event
    /// loop once per finished call (measured at several % of a node's CPU).
    @Test func finishedCallsLeaveNoDeadlineBehind() throws {
        let held = HeldCalls()
        let pair = InMemoryPair { registerTestMethods(&$0, held: held) }
        let box = ResponseBox()
        pair.client.startCall(path: holdPath, framedRequest: MessageFraming.frame([1]), timeoutNanoseconds: 1_000_000_000,
                              deadline: pair.clock.now() + 1_000_000_000, onFinish: { box.response = $0 })
        let quick = pair.call(echoPath, [2], timeoutNanoseconds: 500_000_000)
        pair.pump()
        #expect(quick.code == .ok)
        // Only the held call is open: its deadline is the earliest left on both sides.
        #expect(pair.server.nextDeadline == pair.clock.now() + 1_000_000_000)
        #expect(pair.client.nextDeadline == pair.clock.now() + 1_000_000_000)
        held.all[0].0.respond(MessageFraming.frame([1]))
        pair.pump()
        #expect(box.code == .ok)
        // Only the idle timeout is left: the connection has no open stream now.
        #expect(pair.server.nextDeadline == pair.clock.now() + pair.server.configuration.idleTimeoutNanoseconds)
        #expect(pair.client.nextDeadline == nil)
    }

    @Test func zeroTimeoutNeverReachesHandler() throws {
        let held = HeldCalls()
        let pair = InMemoryPair { registerTestMethods(&$0, held: held) }
        let box = ResponseBox()
        pair.client.startCall(path: holdPath, framedRequest: MessageFraming.frame([1]),
                              extraHeaders: [("grpc-timeout", "0n")], onFinish: { box.response = $0 })
        pair.pump()
        #expect(box.code == .deadlineExceeded)
        #expect(held.count == 0)
    }

    @Test func clientCancellationReachesHandler() throws {
        let held = HeldCalls()
        let pair = InMemoryPair { registerTestMethods(&$0, held: held) }
        let box = pair.call(holdPath, [1])
        pair.pump()
        let call = held.all[0].0
        let cancelled = HeldCalls()
        call.onCancel { cancelled.add(call, []) }
        pair.client.cancel(stream: try #require(box.stream))
        pair.pump()
        #expect(box.code == .cancelled)
        #expect(call.isCancelled)
        #expect(cancelled.count == 1)
        #expect(pair.observer.count("Hold.CANCELLED") == 1)
        call.respond(MessageFraming.frame([1]))
        pair.pump()
        #expect(pair.observer.count("Hold.OK") == 0)
        #expect(pair.server.openStreams == 0)
    }

    @Test func inFlightLimitAnswersResourceExhaustedAtOnce() throws {
        let held = HeldCalls()
        let pair = InMemoryPair(inFlightLimit: 2) { registerTestMethods(&$0, held: held) }
        pair.call(holdPath, [1])
        pair.call(holdPath, [2])
        let third = pair.call(holdPath, [3])
        pair.pump()
        #expect(held.count == 2)
        #expect(third.code == .resourceExhausted)
        #expect(third.response?.trailersOnly == true)
        #expect(pair.observer.count("overloaded") == 1)
        for (call, request) in held.all { call.respond(MessageFraming.frame(request)) }
        pair.pump()
        let fourth = pair.call(echoPath, [4])
        pair.pump()
        #expect(try fourth.response?.unaryMessage() == [4])
        #expect(pair.limiter.inFlight == 0)
    }

    @Test func streamsBeyondMaxConcurrentStreamsAreRefused() throws {
        let held = HeldCalls()
        let pair = InMemoryPair(configuration: ServerConfiguration(maxConcurrentStreams: 4)) {
            registerTestMethods(&$0, held: held)
        }
        // Sent before the client has seen the server's SETTINGS: the server must refuse the excess.
        let boxes = (0..<10).map { pair.call(holdPath, [UInt8($0)]) }
        pair.pump()
        #expect(held.count == 4)
        let refused = boxes.filter { $0.code == .unavailable }
        #expect(refused.count == 6)
        #expect(refused.allSatisfy { $0.response?.status.message.contains("refused") == true })
        // Once SETTINGS are known the client queues instead of overrunning the server.
        let later = (0..<8).map { pair.call(echoPath, [UInt8($0)]) }
        pair.pump()
        #expect(later.allSatisfy { $0.response == nil })
        for (call, request) in held.all { call.respond(MessageFraming.frame(request)) }
        pair.pump()
        #expect(later.allSatisfy { $0.code == .ok })
    }

    @Test func gracefulShutdownDrainsCallsInFlight() throws {
        let held = HeldCalls()
        let pair = InMemoryPair { registerTestMethods(&$0, held: held) }
        let first = pair.call(holdPath, [1])
        let second = pair.call(holdPath, [2])
        pair.pump()
        pair.server.beginGracefulShutdown()
        pair.pump()
        #expect(pair.client.isGoingAway)
        #expect(pair.server.isAlive)
        let refused = pair.call(echoPath, [3])
        #expect(refused.code == .unavailable)
        for (call, request) in held.all { call.respond(MessageFraming.frame(request)) }
        pair.pump()
        #expect(try first.response?.unaryMessage() == [1])
        #expect(try second.response?.unaryMessage() == [2])
        #expect(!pair.server.isAlive)
    }

    @Test func garbageBytesEndTheConnectionWithoutCrashing() {
        let pair = InMemoryPair { registerTestMethods(&$0) }
        var seed: UInt64 = 42
        var garbage: [UInt8] = []
        for _ in 0..<512 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            garbage.append(UInt8(truncatingIfNeeded: seed >> 33))
        }
        let healthy = garbage.withUnsafeBytes { pair.server.receive($0) }
        #expect(!healthy)
        var output: [UInt8] = []
        pair.server.drainOutput { output.append(contentsOf: $0) }
        #expect(pair.server.openStreams == 0)
    }

    @Test func brokenFrameAfterPrefaceGetsGoAway() {
        let pair = InMemoryPair { registerTestMethods(&$0) }
        pair.call(echoPath, [1])
        pair.pump()
        // A HEADERS frame on stream 0 is a connection error (PROTOCOL_ERROR).
        let broken: [UInt8] = [0, 0, 1, 0x1, 0x4, 0, 0, 0, 0, 0x82]
        _ = broken.withUnsafeBytes { pair.server.receive($0) }
        var output: [UInt8] = []
        pair.server.drainOutput { output.append(contentsOf: $0) }
        // A GOAWAY frame (type 7) went out.
        #expect(output.count >= 9 && output[3] == 7)
        #expect(!pair.server.isAlive)
    }
}
