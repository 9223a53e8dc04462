import GyreCore
import GyreHTTP2
public import GyreModel
import GyrePipeline
public import GyreStorage
import GyreRPC
public import Logging
public import NIOCore
import NIOPosix
import Synchronization

/// One gyre-node: the client-facing server (KV, Cluster, Health) and the peer-facing server
/// (Replica) over one storage engine, coordinating requests with the other members.
///
/// Contract: ``start()`` binds both listeners and returns the client address, then forms the
/// cluster in the background (``formed()`` waits for it); until the cluster has formed, client
/// requests answer UNAVAILABLE and Health answers NOT_SERVING. ``shutdown()`` reports
/// NOT_SERVING, stops accepting, lets calls in flight finish (GOAWAY) within the grace period,
/// then releases the event loops it created. A node is started at most once. The node's id, its
/// cluster's id and its ring live in the store's metadata (``NodeIdentity``): a node restarted on
/// the same store is the same member; an empty store makes a new node id. ``init`` refuses a
/// store whose recorded cluster contradicts the configuration. The node does not close its
/// storage (its owner does, after ``shutdown()``).
public final class Node: Sendable {
    public let configuration: NodeConfiguration
    public let storage: any StorageEngine
    public let metrics: NodeMetrics
    /// The node's own Prometheus registry (`/metrics` on the admin listener).
    public let metricsRegistry: NodeMetricsRegistry
    /// Takes the readings Stats, `/metrics` and the admin page show.
    let readings: NodeReadings
    public let id: NodeID
    let logger: Logger
    let group: any EventLoopGroup
    let ownsGroup: Bool
    let clientServer: GRPCServer
    let peerServer: GRPCServer
    let health: HealthService
    let limiter: InFlightLimiter
    let state: ClusterState
    let context: PipelineContext<CausalVersioning>
    /// The client calling peers; replaced by one that names the cluster once it is agreed.
    let peers: SharedPeerClient
    let client: GRPCClient
    private let formation: FormationTask
    /// Hands the hints this node holds back to their owners.
    let handoff: HintHandoff<CausalVersioning>
    /// SWIM: who is alive, as this node sees it.
    let detector: FailureDetector

    /// Holds and releases requests for tests (`--enable-test-hooks`; inert otherwise).
    public let testHooks: TestHooks
    private let identity: NodeIdentity
    let membership: ClusterMembership
    private let connections: ConnectionGauges
    private let tls: NodeTLS
    /// Online backups of the store (`POST /admin/backup`, `gyre-node backup`).
    public let backups: NodeBackup
    /// The admin listener and the address it is bound to, once started (when configured).
    private let admin = Mutex<(server: AdminServer, address: String)?>(nil)
    /// Logs each change of the store's write health (a write fault, then its recovery).
    private let healthWatch = Mutex<RepeatedTask?>(nil)

    public init(configuration: NodeConfiguration, storage: any StorageEngine = InMemoryEngine(),
                logger: Logger = Logger(label: "gyre.node"), group: (any EventLoopGroup)? = nil) throws(NodeStartError) {
        let identity = try NodeIdentity.load(from: storage, configuration: configuration.cluster)
        self.identity = identity
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
        let id = identity.nodeID
        self.id = id
        let cluster = configuration.cluster
        let state = ClusterState(me: Member(id: id, weight: cluster.weight, name: cluster.nodeName),
                                 proposedClusterID: identity.proposal, proposedSecret: identity.secretProposal,
                                 configuration: cluster)
        self.state = state
        membership = ClusterMembership(state: state, identity: identity, storage: storage, logger: logger)
        let limiter = InFlightLimiter(limit: configuration.maxInFlight)
        self.limiter = limiter
        let health = HealthService(writesHealthy: { storage.health == .ok })
        self.health = health
        let metricsRegistry = NodeMetricsRegistry()
        self.metricsRegistry = metricsRegistry
        let metrics = NodeMetrics(factory: metricsRegistry.factory)
        self.metrics = metrics
        let group = self.group
        let security = configuration.security
        let tls = try NodeTLS(security: security, nodeName: cluster.nodeName)
        self.tls = tls
        let client = GRPCClient(group: group, maxMessageBytes: configuration.maxMessageBytes * 2, tls: tls.peerClient)
        self.client = client
        let hopDelay = cluster.peerHopDelayNanoseconds > 0
            ? HopDelay(nanoseconds: Int64(cluster.peerHopDelayNanoseconds), group: group) : nil
        let peers = SharedPeerClient(PeerClient(client: client, clusterID: nil, selfID: id, hopDelay: hopDelay))
        self.peers = peers
        let unresponsive = UnresponsivePeers()
        let detector = FailureDetector(me: id, settings: cluster.failureDetection, loop: group.next(), peers: peers,
                                       state: state, storage: storage, logger: logger, unresponsive: unresponsive)
        self.detector = detector
        let context = PipelineContext(
            me: id, storage: storage, metrics: metrics.pipeline, views: state,
            scheduler: EventLoopScheduler(loop: group.next()), transport: PeerTransport(peers: peers),
            timing: CoordinatorTiming(replicaTimeout: cluster.replicaTimeoutNanoseconds,
                                      attemptTimeout: cluster.attemptTimeoutNanoseconds),
            versioning: CausalVersioning(limits: configuration.versionLimits), limits: configuration.limits,
            liveness: detector, hintLimits: cluster.hintLimits, unresponsive: unresponsive)
        self.context = context
        let handoff = HintHandoff(context: context, settings: cluster.handoff)
        self.handoff = handoff
        do {
            try handoff.loadBacklog()
        } catch {
            logger.error("cannot count the stored hints; their caps start from zero", metadata: ["gyre.error": "\(error)"])
        }
        let hooks = TestHooks(enabled: configuration.enableTestHooks, loop: group.next())
        testHooks = hooks
        let handler = ReplicaHandler(context: context)
        let kv = KVService(router: handler.router)

        var clientRouter = RPCRouter()
        kv.register(into: &clientRouter, wrap: hooks.wrap)
        let connections = ConnectionGauges()
        self.connections = connections
        let readings = NodeReadings(id: id, metrics: metrics, limiter: limiter, storage: storage, connections: connections,
                                    hints: context.hintBacklog, state: state, detector: detector)
        self.readings = readings
        ClusterService(snapshot: { readings.stats() }, ring: { state.currentView?.ringInfo },
                       members: { Self.members(id: id, state: state, detector: detector) },
                       watchers: state.watchers).register(into: &clientRouter)
        health.register(into: &clientRouter)
        // Peer methods are numbered after the client methods: one metrics table for both servers.
        var peerRouter = RPCRouter(firstIndex: clientRouter.methods.count)
        ReplicaService(handler: handler, state: state,
                       authorization: PeerAuthorization(required: security.peerTLS != nil, state: state), detector: detector,
                       stats: { readings.stats() })
            .register(into: &peerRouter)
        metrics.bind(to: [clientRouter, peerRouter])
        let limits = configuration.listenerLimits
        clientServer = GRPCServer(
            configuration: limits.server(peer: false, maxMessageBytes: configuration.maxMessageBytes,
                                         maxConcurrentStreams: configuration.maxConcurrentStreams,
                                         maxInFlight: configuration.maxInFlight),
            router: clientRouter, budgets: CallBudgets(calls: limiter), tls: tls.clientListener, observer: metrics, group: group)
        // A peer's replica calls arrive on one connection per peer, batched: a Replica.Batch is
        // one call (its items are capped), so the peer listener keeps a budget of its own.
        peerServer = GRPCServer(
            configuration: limits.server(peer: true, maxMessageBytes: configuration.maxMessageBytes * 2,
                                         maxConcurrentStreams: configuration.maxConcurrentStreams,
                                         maxInFlight: configuration.maxInFlight * 2),
            router: peerRouter, budgets: CallBudgets(calls: InFlightLimiter(limit: configuration.maxInFlight * 2)),
            tls: tls.peerListener, observer: metrics, group: group)
        formation = FormationTask()
        backups = NodeBackup(storage: storage)
        connections.servers = [clientServer, peerServer]
    }

    /// Binds the client and peer addresses; returns the client address (port 0 picks one). The
    /// cluster forms in the background.
    public func start() async throws -> SocketAddress {
        let peerAddress = try await peerServer.start(host: configuration.cluster.peerHost, port: configuration.cluster.peerPort)
        let clientAddress = try await clientServer.start(host: configuration.listenHost, port: configuration.listenPort)
        state.bound(
            clientAddress: configuration.advertisedClientAddress
                ?? "\(configuration.listenHost):\(clientAddress.port ?? configuration.listenPort)",
            peerAddress: configuration.cluster.advertisedPeerAddress
                ?? "\(configuration.cluster.peerHost):\(peerAddress.port ?? configuration.cluster.peerPort)")
        try await startAdmin()
        watchStorageHealth()
        health.setForming()
        handoff.start()
        logger.info("node started", metadata: ["gyre.node": "\(id)", "gyre.listen": "\(HostPort.text(clientAddress))",
                                               "gyre.peer_listen": "\(HostPort.text(peerAddress))",
                                               "gyre.admin_listen": "\(adminAddress ?? "off")",
                                               "cluster.peers": "\(configuration.cluster.peers.count)"])
        let peers = self.peers, health = self.health, logger = self.logger, id = self.id
        let membership = self.membership, identity = self.identity, detector = self.detector
        if let ring = reusableStoredRing(), let clusterID = identity.clusterID, let secret = identity.secret {
            // Restarted on the same store and the same member list: back in the ring at once,
            // even when some peers are down. This node's own addresses may have changed (port 0):
            // the same placement with new member data, recorded before it is used.
            do {
                try membership.adopt(ring: ring, clusterID: clusterID, secret: secret)
                detector.start(members: ring.members.map(\.id))
            } catch {
                logger.error("cannot rejoin the stored ring", metadata: ["gyre.error": "\(error)"])
                self.formation.run { "\(error)" }
                return clientAddress
            }
            peers.replace { $0.joined(clusterID, selfID: id) }
            health.setServing()
            logger.info("rejoined the stored ring", metadata: ["cluster.id": "\(clusterID)",
                                                              "cluster.members": "\(ring.members.count)"])
            self.formation.run { nil }
            return clientAddress
        }
        let formation = ClusterFormation(state: state, peers: peers.value, logger: logger)
        self.formation.run {
            do {
                let formed = try await formation.form(storedClusterID: identity.clusterID)
                try membership.adopt(ring: formed.ring, clusterID: formed.clusterID, secret: formed.secret)
                detector.start(members: formed.ring.members.map(\.id))
                peers.replace { $0.joined(formed.clusterID, selfID: id) }
                health.setServing()
                return nil
            } catch {
                logger.error("cluster formation failed", metadata: ["gyre.error": "\(error)"])
                return "\(error)"
            }
        }
        // A cluster of one forms at once: wait for it, so such a node is SERVING when it says it
        // is serving (no window in which a first request finds it still forming).
        let own = state.me.peerAddress
        if configuration.cluster.peers.allSatisfy({ $0 == own }) { _ = await self.formation.result() }
        return clientAddress
    }

    /// Binds the admin listener when one is configured.
    private func startAdmin() async throws {
        guard let host = configuration.adminHost else { return }
        let endpoints = NodeAdmin(node: self, backup: backups)
        let server = AdminServer(group: group) { request, reply in endpoints.respond(request, reply: reply) }
        let address = try await server.start(host: host, port: configuration.adminPort)
        admin.withLock { $0 = (server, "\(host):\(address.port ?? configuration.adminPort)") }
    }

    /// Checks the store's write health once a second and logs each change: one line when writes
    /// start failing, one when they work again.
    private func watchStorageHealth() {
        let storage = self.storage, logger = self.logger
        let last = Mutex<StorageHealth>(storage.health)
        let task = group.next().scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            let now = storage.health
            guard let before = last.withLock({ last -> StorageHealth? in
                defer { last = now }
                return last == now ? nil : last
            }) else { return }
            switch now {
            case .ok: logger.notice("storage writes recovered", metadata: ["storage.was": "\(before)"])
            case let .writeFault(message): logger.error("storage write fault: writes fail until the store recovers",
                                                        metadata: ["gyre.error": "\(message)"])
            }
        }
        healthWatch.withLock { $0 = task }
    }

    /// The admin listener's address (after ``start()``), or nil when there is none.
    public var adminAddress: String? { admin.withLock { $0?.address } }

    /// The stored ring, with this node's new addresses, when the store has one and the configured
    /// member list is the one it was made from (the same peer addresses).
    private func reusableStoredRing() -> Ring? {
        guard let stored = identity.ring, identity.clusterID != nil, stored.members.contains(where: { $0.id == id }) else {
            return nil
        }
        let me = state.me
        let configuredOwn = "\(configuration.cluster.peerHost):\(configuration.cluster.peerPort)"
        let configured = Set(configuration.cluster.peers.filter { $0 != configuredOwn && $0 != me.peerAddress })
        let others = Set(stored.members.filter { $0.id != id }.map(\.peerAddress))
        guard configured == others else { return nil }
        let members = stored.members.map { $0.id == id ? me : $0 }
        let owners = stored.owners.map { members[Int($0)].id }
        return try? Ring(epoch: stored.epoch, partitionCount: Int(stored.partitionCount), owners: owners, members: members)
    }

    /// Reads every certificate and key file again (SIGHUP): new connections use them, open ones
    /// keep theirs. Returns why not, keeping the old ones, when a file cannot be read or no
    /// longer names this node; nil when reloaded.
    @discardableResult
    public func reloadCertificates() -> String? {
        do {
            try tls.reload()
        } catch {
            logger.error("certificate reload failed; keeping the previous certificates", metadata: ["gyre.error": "\(error)"])
            return error.description
        }
        logger.info("certificates reloaded")
        return nil
    }

    /// Whether the node reports SERVING (its cluster formed, and shutdown has not begun).
    public var isServing: Bool { health.isServing }

    /// The peer address actually bound (after ``start()``).
    public var peerAddress: String { state.me.peerAddress }

    /// Waits until the cluster has formed; throws with the reason when it could not. Cancelling
    /// the waiting task cancels the formation too (a node told to stop while it waits for its
    /// peers stops at once instead of at the formation timeout).
    public func formed() async throws {
        let formation = self.formation
        let failure = await withTaskCancellationHandler {
            await formation.result()
        } onCancel: {
            formation.cancel()
        }
        if let failure { throw FormationError(failure) }
    }

    /// Graceful shutdown; see the type's contract.
    public func shutdown() async {
        logger.info("node shutting down", metadata: ["rpc.in_flight": "\(limiter.inFlight)"])
        health.setNotServing()
        healthWatch.withLock { $0 }?.cancel()
        state.watchers.finishAll(RPCStatus(code: .unavailable, message: "the node is shutting down"))
        formation.cancel()
        handoff.stop()
        detector.stop()
        let grace = UInt64(configuration.shutdownGraceSeconds * 1e9)
        async let clientDone: Void = clientServer.shutdownGracefully(timeoutNanoseconds: grace)
        async let peerDone: Void = peerServer.shutdownGracefully(timeoutNanoseconds: grace)
        _ = await (clientDone, peerDone)
        await admin.withLock { $0?.server }?.close()
        await client.close()
        if ownsGroup { try? await group.shutdownGracefully() }
        logger.info("node stopped")
    }

    /// Every member and its state as this node's failure detector sees it; nil before the ring.
    static func members(id: NodeID, state: ClusterState, detector: FailureDetector) -> MembersResponse? {
        guard let view = state.currentView else { return nil }
        let statuses = detector.view
        return MembersResponse(nodeID: id, members: view.ring.members.map { member in
            let status = statuses[member.id] ?? .alive(0)
            return .init(member: member, state: status.state, incarnation: status.incarnation, isSelf: member.id == id)
        })
    }

    /// The member states as this node's failure detector sees them (for tests and tools).
    public func members() -> MembersResponse? { Self.members(id: id, state: state, detector: detector) }

    /// The node's counters and gauges now (what `Cluster/Stats` answers).
    public func stats() -> NodeStats { readings.stats() }

    /// The node's metrics now, in the Prometheus text format (what `/metrics` answers).
    public func prometheusText() -> [UInt8] { metricsRegistry.render(readings.reading()) }
}
