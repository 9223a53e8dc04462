public import GyreHTTP2
import GyreRPC
import Synchronization

/// A `GRPCServerConnection` driven in memory the way the NIO driver drives it, for fuzzing:
/// chunks in, output drained (and discarded, or kept for the seed generator), deadlines expired
/// on a clock that moves 1 ms per chunk, asynchronous answers hopping on through a
/// ``DeferredExecutor``.
///
/// Contract: ``run(_:)`` never traps on any script, except when a property of the connection
/// breaks: after the transport closed, no stream may stay open and every in-flight slot must be
/// back with the limiter.
public final class FuzzServer {
    public let server: GRPCServerConnection
    public let limiter = InFlightLimiter(limit: 4)
    public let held = HeldCalls()
    private let executor = DeferredExecutor()
    private let clock = FuzzClock()
    /// Everything the server wrote, when ``keepOutput`` is set.
    public private(set) var output: [UInt8] = []
    public var keepOutput = false

    public init() {
        var router = RPCRouter()
        FuzzMethods.register(into: &router, held: held)
        let clock = self.clock
        // Small limits, so the fuzzer reaches the refusals: 4 in flight, 16 KiB messages,
        // 8 concurrent streams, a 64 KiB window.
        server = GRPCServerConnection(
            configuration: ServerConfiguration(maxMessageBytes: 16 << 10, maxConcurrentStreams: 8,
                                               initialWindowSize: 64 << 10, connectionWindowSize: 64 << 10),
            router: router, limiter: limiter, executor: executor, now: { clock.now })
    }

    /// Feeds one chunk as a socket read would; false once the connection is done with.
    public func receive(_ chunk: ArraySlice<UInt8>) -> Bool {
        executor.setOnConnectionThread(true)
        let healthy = chunk.withUnsafeBytes { server.receive($0) }
        return flush() && healthy
    }

    /// Answers the held calls from "another thread", then runs the hops on the connection's.
    public func answerHeld() {
        executor.setOnConnectionThread(false)
        held.answerAll()
        executor.runQueued()
    }

    /// Moves the clock by 1 ms and expires the deadlines that passed, as the driver's timer does.
    public func tick() {
        clock.advance(by: 1_000_000)
        if let next = server.nextDeadline, next <= clock.now { server.expireDeadlines(now: clock.now) }
    }

    /// Drains the output; false when the connection should be closed (fatal error or done).
    @discardableResult
    public func flush() -> Bool {
        let healthy = server.drainOutput { bytes in if keepOutput { output += bytes } }
        return healthy && server.isAlive
    }

    /// Plays a whole script, then closes the transport and checks the connection let go of
    /// every stream and slot.
    public func run(_ script: SessionScript) {
        for (index, chunk) in script.chunks.enumerated() {
            guard receive(chunk) else { break }
            if index == 0, script.options.contains(.shutdownEarly) {
                server.beginGracefulShutdown()
                guard flush() else { break }
            }
            if !script.options.contains(.answerAtEnd) { answerHeld() }
            tick()
            guard flush() else { break }
        }
        if script.options.contains(.closeBeforeAnswers) {
            server.transportClosed()
            answerHeld()
        } else {
            answerHeld()
            flush()
            server.expireDeadlines(now: .max)
            flush()
            server.transportClosed()
        }
        flush()
        FuzzCheck.require(server.openStreams == 0, "\(server.openStreams) streams open after the transport closed")
        FuzzCheck.require(limiter.inFlight == 0, "\(limiter.inFlight) in-flight slots never released")
    }
}

/// The harness's monotonic clock, in nanoseconds.
final class FuzzClock: Sendable {
    private let nanoseconds = Atomic<UInt64>(1_000_000_000)
    var now: UInt64 { nanoseconds.load(ordering: .relaxed) }
    func advance(by delta: UInt64) { nanoseconds.wrappingAdd(delta, ordering: .relaxed) }
}
