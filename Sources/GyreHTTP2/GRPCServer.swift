public import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A gRPC server over HTTP/2 on one listening address: cleartext with prior knowledge, or TLS
/// (ALPN `h2`) when it has a ``ServerTLS``.
///
/// Contract: ``start(host:port:)`` binds and returns the bound address; ``shutdownGracefully(timeoutNanoseconds:)``
/// stops accepting, sends GOAWAY on every connection, lets calls in flight finish, and closes
/// whatever is left when the timeout passes. Thread-safe. Connections are capped in total and per
/// source address (``ServerConfiguration/maxConnections``, ``ServerConfiguration/maxConnectionsPerSource``):
/// at a cap the longest-idle connection is sent away for the new one, or the new one is refused
/// when none is idle. When accepting fails for want of file descriptors or memory the listener
/// pauses for ``acceptBackoffNanoseconds`` instead of retrying in a loop.
public final class GRPCServer: Sendable {
    public let configuration: ServerConfiguration
    public let router: RPCRouter
    public let budgets: CallBudgets
    let observer: any ServerObserver
    let group: any EventLoopGroup
    let requestBytes: ByteBudget
    let registry: ConnectionRegistry
    /// TLS for every connection, or nil for cleartext.
    public let tls: ServerTLS?
    private let listener = Mutex<(any Channel)?>(nil)
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])
    private let accepted = Atomic<Int>(0)

    /// How long accepting pauses after EMFILE, ENFILE, ENOBUFS or ENOMEM.
    public static let acceptBackoffNanoseconds: Int64 = 100_000_000

    public init(configuration: ServerConfiguration, router: RPCRouter, budgets: CallBudgets, tls: ServerTLS? = nil,
                observer: any ServerObserver = NoServerObserver(), group: any EventLoopGroup) {
        self.tls = tls
        self.configuration = configuration
        self.router = router
        self.budgets = budgets
        self.observer = observer
        self.group = group
        requestBytes = ByteBudget(limit: configuration.maxBufferedRequestBytesTotal)
        registry = ConnectionRegistry(maxConnections: configuration.maxConnections,
                                      maxPerSource: configuration.maxConnectionsPerSource,
                                      maxCallsPerSource: configuration.maxCallsPerSource)
    }

    /// A server whose ordinary budget is `limiter`, with the default health and stream budgets.
    public convenience init(configuration: ServerConfiguration, router: RPCRouter, limiter: InFlightLimiter,
                            observer: any ServerObserver = NoServerObserver(), group: any EventLoopGroup) {
        self.init(configuration: configuration, router: router, budgets: CallBudgets(calls: limiter),
                  observer: observer, group: group)
    }

    /// The ordinary in-flight budget.
    public var limiter: InFlightLimiter { budgets.calls }
    /// Connections accepted since start.
    public var connectionsAccepted: Int { accepted.load(ordering: .relaxed) }
    /// Connections open now.
    public var openConnections: Int { connections.withLock { $0.count } }
    /// Request bytes buffered in incomplete requests over all connections now.
    public var bufferedRequestBytes: Int { requestBytes.inUse }

    /// Binds `host:port` (port 0 picks a free one) and starts accepting.
    public func start(host: String, port: Int) async throws -> SocketAddress {
        let observer = self.observer
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        AcceptPauseHandler(backoff: .nanoseconds(Self.acceptBackoffNanoseconds)) {
                            observer.protection(.acceptBackedOff)
                        })
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 256 << 10, high: 1 << 20))
            .childChannelInitializer { [self] channel in
                guard let entry = self.admit(channel) else {
                    return channel.eventLoop.makeFailedFuture(ConnectionRefused())
                }
                self.track(channel, entry: entry)
                let sourceCalls = self.registry.callLimiter(of: entry)
                return channel.eventLoop.makeCompletedFuture {
                    let handler = GRPCServerChannelHandler(entry: entry, registry: self.registry, observer: self.observer) { loop in
                        GRPCServerConnection(
                            configuration: self.configuration, router: self.router, budgets: self.budgets,
                            requestBytes: self.requestBytes, sourceCalls: sourceCalls, observer: self.observer,
                            executor: EventLoopExecutor(loop: loop), now: monotonicNanoseconds)
                    }
                    if let tls = self.tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.context))
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .bind(host: host, port: port)
            .get()
        listener.withLock { $0 = channel }
        guard let address = channel.localAddress else { throw RPCTransportError.notBound }
        return address
    }

    /// Counts a new connection in, evicting an idle one at a cap; nil when it must be refused.
    private func admit(_ channel: any Channel) -> ConnectionEntry? {
        let source = channel.remoteAddress?.ipAddress ?? "unknown"
        let entry = ConnectionEntry(source: source, idleSince: max(1, monotonicNanoseconds())) {
            channel.pipeline.fireUserInboundEventTriggered(EvictIdleEvent())
        }
        switch registry.admit(entry) {
        case .admitted:
            return entry
        case .admittedEvicting:
            return entry
        case .refused:
            observer.protection(.refusedAtCap)
            return nil
        }
    }

    private func track(_ channel: any Channel, entry: ConnectionEntry) {
        let id = ObjectIdentifier(channel)
        accepted.wrappingAdd(1, ordering: .relaxed)
        connections.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [self] _ in
            _ = self.connections.withLock { $0.removeValue(forKey: id) }
            self.registry.remove(entry)
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

/// A connection refused at the listener's connection caps.
struct ConnectionRefused: Error {}

/// Transport failures outside any one call.
public enum RPCTransportError: Error, Sendable {
    case notBound
    /// Not a `HOST:PORT` address.
    case badAddress(String)
    /// The client was closed: it opens no more connections.
    case closed
}
