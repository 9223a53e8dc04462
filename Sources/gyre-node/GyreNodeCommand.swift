import ArgumentParser
import Dispatch
import Foundation
import GyreCore
import GyreModel
import GyreHTTP2
import GyreNode
import GyrePipeline
import GyreStorage
import Logging
import NIOCore

/// `gyre-node`: runs one Gyre node until SIGINT or SIGTERM (``GyreNodeMain`` reads `--config`
/// and dispatches `gyre-node backup` first).
struct GyreNodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gyre-node",
        abstract: "Run a Gyre key-value node.",
        discussion: """
            Serves gyre.v1.KV, gyre.v1.Cluster and grpc.health.v1.Health over gRPC (HTTP/2 \
            cleartext) on --listen. Prints "gyre-node serving on HOST:PORT" once ready. \
            SIGINT/SIGTERM: graceful shutdown (GOAWAY, calls in flight finish), exit 0. \
            --config FILE reads options from a TOML file (keys are the option names without \
            '--'; options on the command line override it). `gyre-node backup --help`: the \
            online backup tool.
            """,
        version: GyreVersion.current)

    @Option(help: "Client address, HOST:PORT (port 0 picks a free port).")
    var listen: String = "127.0.0.1:7100"

    @Option(help: "A TOML file of options: each key is an option's name without '--' (listen = \"0.0.0.0:7100\", insecure-peers = true). Options given on the command line override it.")
    var config: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(help: "Log lines on standard error as text or json (one object per line).")
    var logFormat: String = "text"

    @Option(help: "The admin listener (plain HTTP: /metrics, the admin page at /, POST /admin/backup), HOST:PORT or off (default: 127.0.0.1, the --listen port + 200; port 0 when --listen has port 0). Unauthenticated: keep it on loopback or an operators' network.")
    var adminListen: String?

    @Option(help: "Longest key accepted, in bytes.")
    var maxKeyBytes: Int = 1024

    @Option(help: "Longest value accepted, in bytes.")
    var maxValueBytes: Int = 1 << 20

    @Option(help: "Largest gRPC request message, in bytes (default: 4 MiB, or value + key + 64 KiB if larger).")
    var maxMessageBytes: Int?

    @Option(help: "HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS per connection.")
    var maxConcurrentStreams: UInt32 = 100

    @Option(help: "Requests processed at once by this node; beyond that: RESOURCE_EXHAUSTED.")
    var maxInFlight: Int = 1024

    @Option(help: "Event-loop threads (0 = one per core).")
    var threads: Int = 0

    @Option(help: "Node-to-node address, HOST:PORT (default: the --listen host, port + 100; port 0 when --listen has port 0).")
    var peerListen: String?

    @Option(help: "The client address recorded in the ring, where clients dial this node, HOST:PORT (default: --listen). Required when --listen is on a wildcard host (0.0.0.0, ::).")
    var advertise: String?

    @Option(help: "The peer address recorded in the ring, where the other nodes dial this one, HOST:PORT (default: --peer-listen); list this in the members' --peers. Required when --peer-listen is on a wildcard host.")
    var peerAdvertise: String?

    @Option(help: "Peer addresses of the other members, comma-separated HOST:PORT (static member list).")
    var peers: String = ""

    @Option(help: "This node's weight: it claims partitions in proportion.")
    var weight: UInt32 = 1

    @Option(help: "Q: partitions of the ring (a power of two), fixed when the cluster is created.")
    var partitions: Int = 4096

    @Option(help: "N: replicas of every key.")
    var replicas: Int = 3

    @Option(help: "R: default read quorum.")
    var readQuorum: Int = 2

    @Option(help: "W: default write quorum.")
    var writeQuorum: Int = 2

    @Option(help: "How long a coordinator waits for replicas when the client allows longer, in ms.")
    var replicaTimeoutMs: Int = 1000

    @Option(help: "Benchmarks only: delay every call to another node, and its answer, by this many ms (a stand-in for network latency; 0: none).")
    var benchPeerDelayMs: Double = 0

    @Option(help: "How long one replica call may take before the coordinator tries the next node on the ring instead (sloppy quorum), in ms.")
    var attemptTimeoutMs: Int = 300

    @Option(help: "Most bytes of hints this node keeps for one unreachable member; past it, hints for that member are refused (another node takes them) and the partition is recorded as needing a full repair.")
    var hintMaxBytesPerOwner: Int = 256 << 20

    @Option(help: "How long a member may stay unreachable and still be sent hints, in seconds (the hint window); later writes for it are recorded as needing a full repair.")
    var hintWindowSeconds: Int = 3 * 3600

    @Option(help: "Most hints per second this node hands back to members that are reachable again.")
    var handoffRate: Int = 500

    @Option(help: "Failure detection: how often this node probes one member, in ms (a ping waits half of it for its ack, then other members are asked to ping).")
    var probeIntervalMs: Int = 1000

    @Option(help: "Failure detection: the shortest time from suspecting a member to declaring it dead, in ms (with no independent confirmation it is six times this).")
    var suspicionTimeoutMs: Int = 4000

    @Option(help: "The cluster's id (UUID); by default the member with the lowest node id creates one.")
    var clusterID: String?

    @Option(help: "Most sibling values one key may hold after a client write.")
    var maxSiblings: Int = 100

    @Option(help: "Most bytes one key's versions may take after a client write.")
    var maxVersionBytes: Int = 4 << 20

    @Option(help: "Directory of this node's store (RocksDB): data, node id, cluster id and ring. Created when missing; a directory of another cluster, a newer format or a damaged store is refused.")
    var dataDir: String = "gyre-data"

    @Option(help: "Storage engine: rocksdb (durable, the default) or memory (nothing survives a restart; for tests and benchmarks).")
    var engine: String = "rocksdb"

    @Option(help: "When writes reach the disk (rocksdb): always (ack after the WAL fsync, group-committed), interval:MS (fsync every MS ms; a crash loses up to MS ms of acked writes) or none (a crash loses the unflushed WAL buffer, up to 1 MiB).")
    var sync: String = "always"

    @Option(help: "Threads that run the storage engine's blocking calls (0 = half the cores, at least 1: the calls are short, and fewer threads hand work over less; measured best on 2 cores).")
    var storageThreads: Int = 0

    @Option(help: "Largest decoded header list of one request, in bytes (RFC 9113's count: names + values + 32 per field); a stream over it is reset.")
    var maxHeaderListBytes: Int = 16 << 10

    @Option(help: "Most header fields in one request.")
    var maxHeaderCount: Int = 64

    @Option(help: "A request's headers and body must arrive within this many ms of its first frame; a client must also start reading its pending responses within it.")
    var requestTimeoutMs: Int = 10_000

    @Option(help: "Close a connection with no open call after this many ms (0: never).")
    var idleTimeoutMs: Int = 120_000

    @Option(help: "Response bytes one connection may leave unread: reading its requests stops at half, and responses past it are replaced by RESOURCE_EXHAUSTED.")
    var maxUnsentBytes: Int = 8 << 20

    @Option(help: "Request bytes one connection may hold in incomplete requests (default: four messages, at least 16 MiB).")
    var maxBufferedRequestBytes: Int?

    @Option(help: "Calls one client connection may have in flight, its share of --max-in-flight (default: --max-concurrent-streams).")
    var maxCallsPerConnection: Int?

    @Option(help: "Calls all connections from one client address may have in flight (default: a quarter of --max-in-flight, at least 256).")
    var maxCallsPerSource: Int?

    @Option(help: "Open client connections; at the cap the longest-idle one is closed for a new one, or the new one refused (default: from the open-file limit, at most 4096).")
    var maxConnections: Int?

    @Option(help: "Open client connections from one source address.")
    var maxConnectionsPerSource: Int = 256

    @Option(help: "Open peer connections (default: from the open-file limit, at most 1024).")
    var maxPeerConnections: Int?

    @Option(help: "Open peer connections from one source address.")
    var maxPeerConnectionsPerSource: Int = 64

    @Option(help: "This node's name: letters, digits, '.' and '-'. Recorded in the ring; with --tls-cert its certificate must name it (DNS subject alternative name).")
    var nodeName: String = ""

    @Option(help: "This node's certificate (PEM, chain first) for mutual TLS between nodes; with --tls-key and --tls-ca. Peers must present certificates signed by that CA that name a member (scripts/gen-certs.sh makes development ones).")
    var tlsCert: String?

    @Option(help: "The private key (PEM) of --tls-cert.")
    var tlsKey: String?

    @Option(help: "The cluster's CA certificate (PEM): peers' certificates must chain to it.")
    var tlsCa: String?

    @Option(help: "TLS on the client port, with --tls-cert and --tls-key: off or on.")
    var clientTls: String = "off"

    @Option(help: "With --client-tls on, client certificates: none, optional or required (verified against --client-ca).")
    var clientAuth: String = "none"

    @Option(help: "CA (PEM) that client certificates must chain to; needed with --client-auth optional|required. Use a CA other than --tls-ca: a certificate the peers' CA signed could act as a peer.")
    var clientCa: String?

    @Flag(help: "Serve the peer port without authentication on a non-loopback address (anyone who reaches it can write replicas). Logs a warning.")
    var insecurePeers = false

    @Flag(help: .hidden)
    var enableTestHooks = false

    mutating func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown --log-level \(logLevel): use trace, debug, info, notice, warning, error or critical")
        }
        guard let (host, port) = HostPort.parse(listen) else {
            throw ValidationError("--listen must be HOST:PORT, got \(listen)")
        }
        guard let format = GyreLogHandler.Format(rawValue: logFormat) else {
            throw ValidationError("--log-format must be text or json, got \(logFormat)")
        }
        LoggingSystem.bootstrap { label in GyreLogHandler(label: label, level: level, format: format) }
        let peerText = peerListen ?? "\(host):\(port == 0 ? 0 : port + 100)"
        guard let (peerHost, peerPort) = HostPort.parse(peerText) else {
            throw ValidationError("--peer-listen must be HOST:PORT, got \(peerText)")
        }
        if let problem = AdvertisedAddress.problem(listenHost: host, advertised: advertise, listenOption: "--listen",
                                                   option: "--advertise")
            ?? AdvertisedAddress.problem(listenHost: peerHost, advertised: peerAdvertise, listenOption: "--peer-listen",
                                         option: "--peer-advertise") {
            throw ValidationError(problem)
        }
        let peerList = peers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for peer in peerList where HostPort.parse(peer) == nil {
            throw ValidationError("--peers entries must be HOST:PORT, got \(peer)")
        }
        var parsedClusterID: ClusterID?
        if let clusterID {
            guard let parsed = ClusterID(clusterID) else { throw ValidationError("--cluster-id must be a UUID, got \(clusterID)") }
            parsedClusterID = parsed
        }
        guard replicaTimeoutMs > 0 else { throw ValidationError("--replica-timeout-ms must be positive") }
        guard attemptTimeoutMs > 0 else { throw ValidationError("--attempt-timeout-ms must be positive") }
        guard hintMaxBytesPerOwner > 0 else { throw ValidationError("--hint-max-bytes-per-owner must be positive") }
        guard hintWindowSeconds > 0 else { throw ValidationError("--hint-window-seconds must be positive") }
        guard handoffRate > 0 else { throw ValidationError("--handoff-rate must be positive") }
        guard probeIntervalMs >= 10 else { throw ValidationError("--probe-interval-ms must be at least 10") }
        guard suspicionTimeoutMs > 0 else { throw ValidationError("--suspicion-timeout-ms must be positive") }
        let fileLimit = FileLimit.raiseToHard()
        let caps = ListenerLimits.connectionCaps(fileLimit: fileLimit)
        let listenerLimits = ListenerLimits(
            maxHeaderListBytes: maxHeaderListBytes, maxHeaderCount: maxHeaderCount, requestTimeoutMs: requestTimeoutMs,
            idleTimeoutMs: idleTimeoutMs, maxUnsentBytes: maxUnsentBytes, maxBufferedRequestBytes: maxBufferedRequestBytes,
            maxCallsPerConnection: maxCallsPerConnection, maxCallsPerSource: maxCallsPerSource, maxConnections: maxConnections ?? caps.clients,
            maxConnectionsPerSource: maxConnectionsPerSource, maxPeerConnections: maxPeerConnections ?? caps.peers,
            maxPeerConnectionsPerSource: maxPeerConnectionsPerSource)
        let probeInterval = UInt64(probeIntervalMs) * 1_000_000
        let suspicion = UInt64(suspicionTimeoutMs) * 1_000_000
        guard benchPeerDelayMs >= 0, benchPeerDelayMs <= 10_000 else {
            throw ValidationError("--bench-peer-delay-ms must be in 0...10000")
        }
        var cluster = ClusterConfiguration(
            peerHost: peerHost, peerPort: peerPort, peers: peerList, weight: weight, partitionCount: partitions,
            replication: replicas, readQuorum: readQuorum, writeQuorum: writeQuorum,
            replicaTimeoutNanoseconds: UInt64(replicaTimeoutMs) * 1_000_000,
            attemptTimeoutNanoseconds: UInt64(attemptTimeoutMs) * 1_000_000,
            hintLimits: HintLimits(maxBytesPerOwner: hintMaxBytesPerOwner, window: UInt64(hintWindowSeconds) * 1_000_000_000),
            handoff: HandoffSettings(rate: handoffRate),
            failureDetection: SWIMSettings(probeInterval: probeInterval, pingTimeout: probeInterval / 2,
                                           relayTimeout: probeInterval * 2 / 5, suspicionTimeoutMin: suspicion,
                                           suspicionTimeoutMax: suspicion * 6, syncInterval: probeInterval * 10),
            clusterID: parsedClusterID,
            nodeName: nodeName)
        cluster.peerHopDelayNanoseconds = UInt64(benchPeerDelayMs * 1e6)
        cluster.advertisedPeerAddress = peerAdvertise
        let security = try securityOptions()
        var configuration = NodeConfiguration(
            listenHost: host, listenPort: port,
            limits: KVLimits(maxKeyBytes: maxKeyBytes, maxValueBytes: maxValueBytes),
            maxMessageBytes: maxMessageBytes, maxConcurrentStreams: maxConcurrentStreams,
            maxInFlight: maxInFlight, eventLoopThreads: threads, enableTestHooks: enableTestHooks,
            cluster: cluster, versionLimits: VersionSetLimits(maxValues: maxSiblings, maxBytes: maxVersionBytes),
            listenerLimits: listenerLimits, security: security)
        configuration.advertisedClientAddress = advertise
        let adminText = adminListen ?? "127.0.0.1:\(port == 0 ? 0 : port + 200)"
        if adminText != "off" {
            guard let (adminHost, adminPort) = HostPort.parse(adminText) else {
                throw ValidationError("--admin-listen must be HOST:PORT or off, got \(adminText)")
            }
            configuration.adminHost = adminHost
            configuration.adminPort = adminPort
        }
        if let problem = configuration.validate() { throw ValidationError(problem) }
        let syncPolicy: SyncPolicy
        do {
            syncPolicy = try SyncPolicy(parsing: sync)
        } catch {
            throw ValidationError("--sync: \(error)")
        }
        guard storageThreads >= 0 else { throw ValidationError("--storage-threads must not be negative") }
        let engineThreads = storageThreads > 0 ? storageThreads : max(1, System.coreCount / 2)

        let signals = SignalWaiter(signals: [SIGINT, SIGTERM])
        let storage: any StorageEngine
        switch engine {
        case "memory":
            storage = InMemoryEngine()
        case "rocksdb":
            do {
                storage = try RocksDBEngine.open(directory: dataDir, sync: syncPolicy, threads: engineThreads)
            } catch {
                FileHandle.standardError.write(Data("gyre-node: cannot open the store in --data-dir \(dataDir): \(error)\n".utf8))
                throw ExitCode(2)
            }
        default:
            throw ValidationError("--engine must be rocksdb or memory, got \(engine)")
        }
        defer { storage.close() }
        Logger(label: "gyre.storage").info("store opened", metadata: [
            "storage.engine": "\(engine)", "storage.directory": "\(engine == "memory" ? "none" : dataDir)",
            "storage.sync": "\(sync)", "storage.keys": "\(storage.count)",
        ])
        let node: Node
        do {
            node = try Node(configuration: configuration, storage: storage)
        } catch {
            FileHandle.standardError.write(Data("gyre-node: cannot start (--data-dir \(dataDir)): \(error)\n".utf8))
            throw ExitCode(2)
        }
        let address: String
        do {
            let bound = try await node.start()
            address = "\(bound.ipAddress ?? host):\(bound.port ?? port)"
        } catch {
            throw ValidationError("cannot listen on \(listen): \(error)")
        }
        Logger(label: "gyre.node").info("connection limits", metadata: [
            "gyre.open_file_limit": "\(fileLimit)",
            "gyre.max_connections": "\(listenerLimits.maxConnections)",
            "gyre.max_peer_connections": "\(listenerLimits.maxPeerConnections)",
        ])
        if security.peerTLS == nil && !NodeSecurity.isLoopback(peerHost) {
            Logger(label: "gyre.node").warning("the peer port is not authenticated and not on loopback (--insecure-peers): anyone who reaches it can read and write replicas",
                                               metadata: ["gyre.peer_listen": "\(peerText)"])
        }
        let reloader = HangupReloader { node.reloadCertificates() }
        defer { withExtendedLifetime(reloader) {} }
        // Unbuffered, so a parent process reading the pipe sees it at once.
        if let admin = node.adminAddress, let (adminHost, _) = HostPort.parse(admin), !NodeSecurity.isLoopback(adminHost) {
            Logger(label: "gyre.node").warning("the admin listener is not on loopback: anyone who reaches it can read metrics and start backups",
                                               metadata: ["gyre.admin_listen": "\(admin)"])
        }
        FileHandle.standardOutput.write(Data(("gyre-node serving on \(address)\ngyre-node peers on \(node.peerAddress)\n"
            + (node.adminAddress.map { "gyre-node admin on \($0)\n" } ?? "")).utf8))
        // Run until a signal, or until the cluster cannot form (then exit 1 with the reason).
        let stop = await withTaskGroup(of: StopReason?.self) { group in
            group.addTask { .signal(await signals.next()) }
            group.addTask {
                do {
                    try await node.formed()
                    return nil
                } catch {
                    return .formationFailed("\(error)")
                }
            }
            for await reason in group {
                if let reason {
                    group.cancelAll()
                    return reason
                }
            }
            return StopReason.signal(0)
        }
        switch stop {
        case let .signal(number):
            Logger(label: "gyre.node").info("signal received, shutting down", metadata: ["gyre.signal": "\(number)"])
            await node.shutdown()
        case let .formationFailed(reason):
            FileHandle.standardError.write(Data("gyre-node: cannot form the cluster: \(reason)\n".utf8))
            await node.shutdown()
            throw ExitCode(1)
        }
    }

    /// The TLS options, checked for consistency (files exist is checked when they are loaded).
    private func securityOptions() throws -> NodeSecurity {
        var peerTLS: TLSFiles?
        switch (tlsCert, tlsKey) {
        case let (cert?, key?):
            peerTLS = TLSFiles(certificateChain: cert, privateKey: key, trustRoots: tlsCa)
        case (nil, nil):
            if tlsCa != nil { throw ValidationError("--tls-ca needs --tls-cert and --tls-key") }
        default:
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        var clientTLS: TLSFiles?
        switch clientTls {
        case "off":
            break
        case "on":
            guard let peerTLS else { throw ValidationError("--client-tls on needs --tls-cert and --tls-key") }
            clientTLS = TLSFiles(certificateChain: peerTLS.certificateChain, privateKey: peerTLS.privateKey,
                                 trustRoots: clientCa)
        default:
            throw ValidationError("--client-tls must be off or on, got \(clientTls)")
        }
        if clientCa != nil && clientTLS == nil { throw ValidationError("--client-ca needs --client-tls on") }
        guard let policy = ClientCertificatePolicy(rawValue: clientAuth) else {
            throw ValidationError("--client-auth must be none, optional or required, got \(clientAuth)")
        }
        return NodeSecurity(peerTLS: peerTLS, clientTLS: clientTLS, clientCertificates: policy, insecurePeers: insecurePeers)
    }

    enum StopReason: Sendable {
        case signal(Int32)
        case formationFailed(String)
    }
}
