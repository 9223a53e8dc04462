public import NIOCore
import NIOPosix
import Synchronization

/// A gRPC server over HTTP/2 (cleartext, prior knowledge) on one listening address.
///
/// Contract: ``start(host:port:)`` binds and returns the bound address; ``shutdownGracefully(timeoutNanoseconds:)``
/// stops accepting, sends GOAWAY on every connection, lets calls in flight finish, and closes
/// whatever is left when the timeout passes. Thread-safe.
public final class GRPCServer: Sendable {
    public let configuration: ServerConfiguration
    public let router: RPCRouter
    public let limiter: InFlightLimiter
    let observer: any ServerObserver
    let group: any EventLoopGroup
    private let listener = Mutex<(any Channel)?>(nil)
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])
    private let accepted = Atomic<Int>(0)

    public init(configuration: ServerConfiguration, router: RPCRouter, limiter: InFlightLimiter,
                observer: any ServerObserver = NoServerObserver(), group: any EventLoopGroup) {
        self.configuration = configuration
        self.router = router
        self.limiter = limiter
        self.observer = observer
        self.group = group
    }

    /// Connections accepted since start.
    public var connectionsAccepted: Int { accepted.load(ordering: .relaxed) }
    /// Connections open now.
    public var openConnections: Int { connections.withLock { $0.count } }

    /// Binds `host:port` (port 0 picks a free one) and starts accepting.
    public func start(host: String, port: Int) async throws -> SocketAddress {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [self] channel in
                self.track(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(GRPCServerChannelHandler { loop in
                        let connection = GRPCServerConnection(
                            configuration: self.configuration, router: self.router, limiter: self.limiter,
                            observer: self.observer, executor: EventLoopExecutor(loop: loop), now: monotonicNanoseconds)
                        return connection
                    })
                }
            }
            .bind(host: host, port: port)
            .get()
        listener.withLock { $0 = channel }
        guard let address = channel.localAddress else { throw RPCTransportError.notBound }
        return address
    }

    private func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        accepted.wrappingAdd(1, ordering: .relaxed)
        connections.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [self] _ in
            _ = self.connections.withLock { $0.removeValue(forKey: id) }
        }
    }

    /// Stops accepting, drains connections with GOAWAY, then closes what remains after the timeout.
    public func shutdownGracefully(timeoutNanoseconds: UInt64 = 10_000_000_000) async {
        if let channel = listener.withLock({ $0 }) {
            try? await channel.close()
        }
        let open = connections.withLock { Array($0.values) }
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(GracefulShutdownEvent())
        }
        let deadline = monotonicNanoseconds() + timeoutNanoseconds
        for channel in open {
            let remaining = deadline > monotonicNanoseconds() ? deadline - monotonicNanoseconds() : 0
            let closed = channel.closeFuture
            let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(remaining))) {
                channel.close(promise: nil)
            }
            try? await closed.get()
            timer.cancel()
        }
    }
}

/// Transport failures outside any one call.
public enum RPCTransportError: Error, Sendable {
    case notBound
    /// Not a `HOST:PORT` address.
    case badAddress(String)
}
