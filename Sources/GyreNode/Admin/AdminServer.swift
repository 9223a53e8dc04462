public import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The admin listener (`--admin-listen`): plain HTTP/1.1 for `/metrics`, the admin page and
/// backups. Meant for loopback or an operators' network, never for clients.
///
/// Contract: bounded like the other listeners: at most ``maxConnections`` connections, at most
/// ``maxConnectionsPerSource`` from one address (more are closed at once), headers capped at
/// 16 KiB and 64 fields (a larger head gets 400 and the connection closes), bodies at
/// ``maxBodyBytes``, and a complete request due within ``requestTimeout`` of connecting or of the
/// previous answer. ``start(host:port:)`` binds; ``close()`` stops listening (open connections end at
/// their timeout).
public final class AdminServer: Sendable {
    public static let maxConnections = 64
    public static let maxConnectionsPerSource = 16
    public static let maxBodyBytes = 4096
    public static let requestTimeout = TimeAmount.seconds(30)

    private let group: any EventLoopGroup
    private let responder: AdminResponder
    private let gate = AdminConnectionGate(maxConnections: maxConnections, maxPerSource: maxConnectionsPerSource)
    private let listener = Mutex<(any Channel)?>(nil)

    public init(group: any EventLoopGroup, responder: @escaping AdminResponder) {
        self.group = group
        self.responder = responder
    }

    /// Binds `host:port` (port 0 picks one) and returns the address bound.
    public func start(host: String, port: Int) async throws -> SocketAddress {
        let gate = self.gate, responder = self.responder
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = 8 << 10
        limits.maxHeaderListSize = 16 << 10
        limits.maxHeaderFieldCount = 64
        let decoderLimits = limits
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let source = channel.remoteAddress?.ipAddress ?? "?"
                guard gate.admit(source) else {
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in gate.release(source) }
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(HTTPResponseEncoder())
                    try sync.addHandler(ByteToMessageHandler(HTTPRequestDecoder(
                        leftOverBytesStrategy: .dropBytes, informationalResponseStrategy: .drop,
                        limitConfiguration: decoderLimits)))
                    try sync.addHandler(HTTPServerPipelineHandler())
                    try sync.addHandler(HTTPServerProtocolErrorHandler())
                    try sync.addHandler(AdminHTTPHandler(responder: responder))
                }
            }
            .bind(host: host, port: port).get()
        listener.withLock { $0 = channel }
        guard let address = channel.localAddress else { throw ChannelError.unknownLocalAddress }
        return address
    }

    /// Stops listening. Connections in progress finish their current answer or are cut.
    public func close() async {
        let channel = listener.withLock { channel in
            defer { channel = nil }
            return channel
        }
        try? await channel?.close()
    }
}
