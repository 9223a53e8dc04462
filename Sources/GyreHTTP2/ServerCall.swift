public import GyreRPC
import Synchronization

/// One incoming call, handed to a method's handler to answer.
///
/// Contract: thread-safe; every method may be called from any thread and takes effect on the
/// connection's thread. Unary handlers call ``respond(_:)`` or ``fail(_:)`` exactly once;
/// streaming handlers call ``send(_:)`` any number of times, then ``finish(_:)``. Anything
/// after the call ended (answered, cancelled by the client, or answered DEADLINE_EXCEEDED by
/// the server) is ignored.
public final class ServerCall: @unchecked Sendable {
    /// The validated request head (path, timeout, metadata).
    public let head: RequestHead
    public let method: RegisteredMethod
    /// Absolute deadline on the server's monotonic clock (nanoseconds), or nil.
    public let deadline: UInt64?
    /// The caller, as its verified TLS certificate names it; nil without one.
    public let peer: PeerIdentity?
    let streamID: Int32
    private let connection: GRPCServerConnection
    private let executor: any ConnectionExecutor
    private let now: @Sendable () -> UInt64
    private let state = Atomic<UInt8>(0)
    private let cancelHandler = Mutex<(@Sendable () -> Void)?>(nil)

    static let ended: UInt8 = 1
    static let cancelled: UInt8 = 2
    static let deadlineAnswered: UInt8 = 4

    init(head: RequestHead, method: RegisteredMethod, deadline: UInt64?, streamID: Int32, peer: PeerIdentity? = nil,
         connection: GRPCServerConnection, executor: any ConnectionExecutor, now: @escaping @Sendable () -> UInt64) {
        self.head = head
        self.peer = peer
        self.method = method
        self.deadline = deadline
        self.streamID = streamID
        self.connection = connection
        self.executor = executor
        self.now = now
    }

    // MARK: state

    /// True once the call can no longer be answered.
    public var isEnded: Bool { state.load(ordering: .acquiring) & Self.ended != 0 }
    /// True when the client cancelled (RST_STREAM) or the connection closed first.
    public var isCancelled: Bool { state.load(ordering: .acquiring) & Self.cancelled != 0 }
    /// True when the deadline has passed (whether or not the server has answered yet).
    public var isExpired: Bool {
        if state.load(ordering: .acquiring) & Self.deadlineAnswered != 0 { return true }
        guard let deadline else { return false }
        return now() >= deadline
    }
    /// Nanoseconds left before the deadline (nil without one; 0 once passed).
    public var remainingNanoseconds: UInt64? {
        guard let deadline else { return nil }
        let current = now()
        return deadline > current ? deadline - current : 0
    }

    /// Runs `handler` once if the call is cancelled (immediately if it already was).
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        let runNow: Bool = cancelHandler.withLock { stored in
            if isCancelled { return true }
            stored = handler
            return false
        }
        if runNow { handler() }
    }

    func mark(_ flag: UInt8) {
        state.bitwiseOr(flag | Self.ended, ordering: .acquiringAndReleasing)
        if flag == Self.cancelled, let handler = cancelHandler.withLock({ stored in
            defer { stored = nil }
            return stored
        }) {
            handler()
        }
    }

    // MARK: answering

    /// Answers a unary call with one framed message (5-byte prefix included) and OK.
    public func respond(_ framedMessage: [UInt8]) {
        perform { connection, stream in connection.respondUnary(stream: stream, framedMessage: framedMessage) }
    }

    /// Sends one framed message of a streaming response.
    public func send(_ framedMessage: [UInt8]) {
        perform { connection, stream in connection.sendMessage(stream: stream, framedMessage: framedMessage) }
    }

    /// Ends the call with `status`.
    public func finish(_ status: RPCStatus) {
        perform { connection, stream in connection.finish(stream: stream, status: status) }
    }

    /// Ends the call with an error.
    public func fail(_ error: RPCError) { finish(RPCStatus(error)) }

    private func perform(_ work: @escaping @Sendable (GRPCServerConnection, Int32) -> Void) {
        if isEnded { return }
        if executor.inConnectionThread {
            work(connection, streamID)
        } else {
            let connection = UncheckedBox(connection)
            let stream = streamID
            executor.execute { work(connection.value, stream) }
        }
    }
}

/// Carries a value across a `@Sendable` boundary when the receiver guarantees thread confinement.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
