import GyreHTTP2
public import GyreModel
public import GyreStorage
import GyreRPC
public import Logging
public import NIOCore
import NIOPosix

/// One gyre-node: the client-facing gRPC server with the KV, Cluster and Health services over a
/// storage engine.
///
/// Contract: ``start()`` binds the client address and returns it; ``shutdown()`` reports
/// NOT_SERVING, stops accepting, lets calls in flight finish (GOAWAY) within the grace period,
/// then releases the event loops it created. A node is started at most once.
public final class Node: Sendable {
    public let configuration: NodeConfiguration
    public let storage: any StorageEngine
    public let metrics: NodeMetrics
    let logger: Logger
    let group: any EventLoopGroup
    let ownsGroup: Bool
    let server: GRPCServer
    let health: HealthService
    let limiter: InFlightLimiter

    public init(configuration: NodeConfiguration, storage: any StorageEngine = InMemoryEngine(),
                logger: Logger = Logger(label: "gyre.node"), group: (any EventLoopGroup)? = nil) {
        self.configuration = configuration
        self.storage = storage
        self.logger = logger
        if let group {
            self.group = group
            ownsGroup = false
        } else {
            let threads = configuration.eventLoopThreads > 0 ? configuration.eventLoopThreads : System.coreCount
            self.group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
            ownsGroup = true
        }
        let limiter = InFlightLimiter(limit: configuration.maxInFlight)
        self.limiter = limiter
        let hooks = TestHooks(enabled: configuration.enableTestHooks, group: self.group)

        let health = HealthService()
        self.health = health
        let metrics = NodeMetrics()
        self.metrics = metrics
        var router = RPCRouter()
        KVService(storage: storage, limits: configuration.limits, metrics: metrics).register(into: &router, wrap: hooks.wrap)
        ClusterService(snapshot: { Self.stats(metrics: metrics, limiter: limiter, storage: storage) }).register(into: &router)
        health.register(into: &router)
        metrics.bind(to: router)
        server = GRPCServer(
            configuration: ServerConfiguration(maxMessageBytes: configuration.maxMessageBytes,
                                               maxConcurrentStreams: configuration.maxConcurrentStreams),
            router: router, limiter: limiter, observer: metrics, group: self.group)
    }

    /// Binds the client address; returns the address actually bound (port 0 picks one).
    public func start() async throws -> SocketAddress {
        let address = try await server.start(host: configuration.listenHost, port: configuration.listenPort)
        logger.info("node started", metadata: ["gyre.listen": "\(address)",
                                               "gyre.max_in_flight": "\(configuration.maxInFlight)"])
        return address
    }

    /// Graceful shutdown; see the type's contract.
    public func shutdown() async {
        logger.info("node shutting down", metadata: ["rpc.in_flight": "\(limiter.inFlight)"])
        health.setNotServing()
        await server.shutdownGracefully(timeoutNanoseconds: UInt64(configuration.shutdownGraceSeconds * 1e9))
        if ownsGroup { try? await group.shutdownGracefully() }
        logger.info("node stopped")
    }

    /// The node's counters and gauges now.
    public func stats() -> NodeStats { Self.stats(metrics: metrics, limiter: limiter, storage: storage) }

    private static func stats(metrics: NodeMetrics, limiter: InFlightLimiter, storage: any StorageEngine) -> NodeStats {
        metrics.snapshot(nodeID: "", gauges: [("rpc.in_flight", UInt64(limiter.inFlight)),
                                              ("storage.keys", UInt64(storage.count))])
    }
}
