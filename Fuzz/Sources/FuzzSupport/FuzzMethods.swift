public import GyreHTTP2
import GyreRPC
import Synchronization

/// The methods of the fuzzed server, one for each way a handler answers.
///
/// Contract: ``register(into:held:)`` installs them; ``later`` calls are parked in `held` and
/// answered by ``HeldCalls/answerAll()`` (the harness calls it "from another thread"). The
/// paths are fixed: the seed corpora name them.
public enum FuzzMethods {
    /// Unary: answers at once with the request message.
    public static let echo = "/fuzz.Test/Echo"
    /// Answered after the next chunk of input, by the request's first byte modulo 4: 0 echoes
    /// it, 1 streams two messages then OK, 2 fails UNAVAILABLE, 3 never answers (the deadline
    /// or the transport's close ends it).
    public static let later = "/fuzz.Test/Later"
    /// Fails at once: INVALID_ARGUMENT with a message that needs percent-encoding, plus trailers.
    public static let fail = "/fuzz.Test/Fail"

    public static func register(into router: inout RPCRouter, held: HeldCalls) {
        router.register(echo) { call, request in call.respond(MessageFraming.frame(request)) }
        router.register(later) { call, request in
            call.onCancel { held.noteCancelled() }
            held.add(call, request)
        }
        router.register(fail) { call, _ in
            call.fail(RPCError(.invalidArgument, "bad request: 100% naïve\n", trailers: ["gyre-acks": "0"]))
        }
    }
}

/// Calls of ``FuzzMethods/later`` waiting for their answer.
///
/// Contract: thread-safe; ``answerAll()`` answers (or drops, for mode 3) every call added so
/// far, exactly once, and forgets them.
public final class HeldCalls: Sendable {
    private let calls = Mutex<[(ServerCall, [UInt8])]>([])
    private let cancellations = Atomic<Int>(0)

    public init() {}

    func add(_ call: ServerCall, _ request: [UInt8]) { calls.withLock { $0.append((call, request)) } }
    func noteCancelled() { cancellations.wrappingAdd(1, ordering: .relaxed) }

    /// Calls the client or the transport cancelled so far.
    public var cancelled: Int { cancellations.load(ordering: .relaxed) }

    public func answerAll() {
        let pending = calls.withLock { calls in
            defer { calls = [] }
            return calls
        }
        for (call, request) in pending {
            switch (request.first ?? 0) % 4 {
            case 0:
                call.respond(MessageFraming.frame(request))
            case 1:
                call.send(MessageFraming.frame([1]))
                call.send(MessageFraming.frame(request))
                call.finish(RPCStatus(code: .ok))
            case 2:
                call.fail(RPCError(.unavailable, "later: try again"))
            default:
                break
            }
        }
    }
}
