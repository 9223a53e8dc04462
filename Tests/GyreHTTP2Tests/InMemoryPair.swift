import GyreHTTP2
import GyreRPC
import GyreTestKit
import Synchronization

/// A gRPC client connection and a server connection joined by memory: no sockets, no threads.
final class InMemoryPair {
    let clock = ManualClock()
    let server: GRPCServerConnection
    let client: GRPCClientConnection
    let observer = CountingObserver()
    let limiter: InFlightLimiter

    init(configuration: ServerConfiguration = ServerConfiguration(), inFlightLimit: Int = 1000,
         register: (inout RPCRouter) -> Void) {
        var router = RPCRouter()
        register(&router)
        limiter = InFlightLimiter(limit: inFlightLimit)
        let clock = self.clock
        server = GRPCServerConnection(configuration: configuration, router: router, limiter: limiter,
                                      observer: observer, executor: ImmediateExecutor(),
                                      now: { clock.now() })
        client = GRPCClientConnection(authority: "memory")
    }

    /// Moves bytes both ways until neither side has anything to send.
    func pump(maxRounds: Int = 1000) {
        for _ in 0..<maxRounds {
            var toServer: [UInt8] = []
            client.drainOutput { toServer.append(contentsOf: $0) }
            if !toServer.isEmpty { toServer.withUnsafeBytes { _ = server.receive($0) } }
            var toClient: [UInt8] = []
            server.drainOutput { toClient.append(contentsOf: $0) }
            if !toClient.isEmpty { toClient.withUnsafeBytes { _ = client.receive($0) } }
            if toServer.isEmpty && toClient.isEmpty { return }
        }
    }

    /// Starts a call and returns a box its response lands in.
    @discardableResult
    func call(_ path: String, _ message: [UInt8], metadata: Metadata = Metadata(), timeoutNanoseconds: UInt64? = nil,
              extraHeaders: [(name: String, value: String)] = []) -> ResponseBox {
        let box = ResponseBox()
        box.stream = client.startCall(path: path, framedRequest: MessageFraming.frame(message), metadata: metadata,
                                      timeoutNanoseconds: timeoutNanoseconds, extraHeaders: extraHeaders,
                                      onMessage: { box.streamed.append($0) },
                                      onFinish: { box.response = $0 })
        return box
    }
}

/// Where a client call's outcome is recorded.
final class ResponseBox {
    var stream: Int32?
    var response: ClientResponse?
    var streamed: [[UInt8]] = []
    var code: StatusCode? { response?.status.code }
}

/// Counts what the server reports.
final class CountingObserver: ServerObserver {
    private let state = Mutex<[String: Int]>([:])

    func count(_ name: String) -> Int { state.withLock { $0[name, default: 0] } }
    private func bump(_ name: String) { state.withLock { $0[name, default: 0] += 1 } }

    func callFinished(method: RegisteredMethod, code: StatusCode, nanoseconds: UInt64) { bump("\(method.methodName).\(code)") }
    func unknownMethod(path: String) { bump("unknown") }
    func deadlineExceededByServer(method: RegisteredMethod) { bump("deadline") }
    func overloaded(path: String) { bump("overloaded") }
    func protection(_ event: ProtectionEvent) { bump(event.name) }
}

/// Holds calls a test answers later.
final class HeldCalls: Sendable {
    private let calls = Mutex<[(ServerCall, [UInt8])]>([])
    func add(_ call: ServerCall, _ request: [UInt8]) { calls.withLock { $0.append((call, request)) } }
    var all: [(ServerCall, [UInt8])] { calls.withLock { $0 } }
    var count: Int { calls.withLock { $0.count } }
}

let echoPath = "/test.Echo/Unary"
let streamPath = "/test.Echo/Stream"
let holdPath = "/test.Echo/Hold"

/// Registers the test-only methods: unary echo, a server-streaming method that answers the
/// request byte `n` with n messages, and a method whose calls the test answers itself.
func registerTestMethods(_ router: inout RPCRouter, held: HeldCalls = HeldCalls()) {
    router.register(echoPath) { call, request in call.respond(MessageFraming.frame(request)) }
    router.register(streamPath) { call, request in
        let count = Int(request.first ?? 0)
        for index in 0..<count { call.send(MessageFraming.frame([UInt8(index)])) }
        call.finish(RPCStatus(code: .ok))
    }
    router.register(holdPath) { call, request in held.add(call, request) }
}
