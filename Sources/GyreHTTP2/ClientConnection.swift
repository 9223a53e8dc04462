public import GyreRPC
public import NIOCore
import Synchronization

/// One HTTP/2 connection to a gRPC server, multiplexing any number of concurrent calls.
///
/// Contract: thread-safe. A call on a connection that is closed or going away finishes
/// UNAVAILABLE at once; the owner (``GRPCClient``) then opens a new connection.
public final class ClientConnection: Sendable {
    public let channel: any Channel
    private let handler: NIOLoopBound<GRPCClientChannelHandler>
    private let goingAway: GoingAwayFlag

    init(channel: any Channel, handler: GRPCClientChannelHandler, goingAway: GoingAwayFlag) {
        self.channel = channel
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
        self.goingAway = goingAway
    }

    /// False once the connection closed or the server sent GOAWAY.
    public var isUsable: Bool { channel.isActive && !goingAway.isSet }

    /// Makes one call: sends `framedRequest`, collects the response. `timeoutNanoseconds` is
    /// sent as `grpc-timeout` and also bounds the wait here. `onMessage` sees each response
    /// message as it arrives (server streaming), on the connection's event loop.
    public func call(path: String, framedRequest: [UInt8], metadata: Metadata = Metadata(),
                     timeoutNanoseconds: UInt64? = nil,
                     onMessage: (@Sendable ([UInt8]) -> Void)? = nil) async -> ClientResponse {
        let promise = channel.eventLoop.makePromise(of: ClientResponse.self)
        let handler = self.handler
        let collect = onMessage == nil
        channel.eventLoop.execute {
            handler.value.startCall { connection in
                let deadline = timeoutNanoseconds.map { monotonicNanoseconds() &+ $0 }
                connection.startCall(path: path, framedRequest: framedRequest, metadata: metadata,
                                     timeoutNanoseconds: timeoutNanoseconds, deadline: deadline,
                                     collectMessages: collect,
                                     onMessage: { message in onMessage?(message) },
                                     onFinish: { promise.succeed($0) })
            }
        }
        do {
            return try await promise.futureResult.get()
        } catch {
            return ClientResponse(status: RPCStatus(code: .unavailable, message: "\(error)"))
        }
    }

    /// Makes one call without `async`: `completion` runs once, on the connection's event loop,
    /// with the response (the hot path for node-to-node calls: no task per call).
    public func start(path: String, framedRequest: [UInt8], metadata: Metadata = Metadata(),
                      timeoutNanoseconds: UInt64? = nil,
                      completion: @escaping @Sendable (ClientResponse) -> Void) {
        let handler = self.handler
        let work: @Sendable () -> Void = {
            handler.value.startCall { connection in
                let deadline = timeoutNanoseconds.map { monotonicNanoseconds() &+ $0 }
                connection.startCall(path: path, framedRequest: framedRequest, metadata: metadata,
                                     timeoutNanoseconds: timeoutNanoseconds, deadline: deadline,
                                     onFinish: completion)
            }
        }
        if channel.eventLoop.inEventLoop { work() } else { channel.eventLoop.execute(work) }
    }

    /// Closes the connection; calls in flight finish UNAVAILABLE.
    public func close() async {
        try? await channel.close()
    }
}
