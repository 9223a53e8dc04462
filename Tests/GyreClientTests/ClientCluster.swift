import GyreClient
import GyreModel
import GyreNode
import GyreStorage
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// An in-process cluster of real nodes on loopback ports, for the SDK's tests.
struct ClientCluster {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    var nodes: [Node]
    /// Each node's client address, in start order.
    var addresses: [String]

    /// `size` nodes with `replication` replicas per key and 64 partitions. A port found free can
    /// be taken before a node binds it (tests run in parallel): then it starts over, up to 3 times.
    static func start(_ size: Int, replication: Int = 3) async throws -> ClientCluster {
        var attempt = 0
        while true {
            attempt += 1
            var probes: [any Channel] = []
            for _ in 0..<size { probes.append(try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()) }
            let ports = probes.map { $0.localAddress!.port! }
            for probe in probes { try await probe.close() }
            var nodes: [Node] = [], addresses: [String] = []
            do {
                for port in ports {
                    var configuration = NodeConfiguration(listenHost: "127.0.0.1", listenPort: 0, enableTestHooks: true)
                    configuration.cluster.peerPort = port
                    configuration.cluster.peers = ports.map { "127.0.0.1:\($0)" }
                    configuration.cluster.partitionCount = 64
                    configuration.cluster.replication = replication
                    configuration.cluster.readQuorum = min(2, replication)
                    configuration.cluster.writeQuorum = min(2, replication)
                    configuration.cluster.replicaTimeoutNanoseconds = 300_000_000
                    configuration.shutdownGraceSeconds = 0.2
                    let node = try Node(configuration: configuration, storage: InMemoryEngine(), group: group)
                    nodes.append(node)
                    let address = try await node.start()
                    addresses.append("127.0.0.1:\(address.port!)")
                }
            } catch let error as IOError where error.errnoCode == EADDRINUSE && attempt < 3 {
                for node in nodes { await node.shutdown() }
                continue
            }
            for node in nodes { try await node.formed() }
            return ClientCluster(nodes: nodes, addresses: addresses)
        }
    }

    func stop() async {
        for node in nodes { await node.shutdown() }
    }

    /// A client seeded with the first node, connected.
    func client(_ configure: (inout GyreClientConfiguration) -> Void = { _ in }) async throws -> GyreClient {
        var configuration = GyreClientConfiguration(seeds: [addresses[0]])
        configuration.defaultDeadline = .seconds(3)
        configure(&configuration)
        return try await GyreClient.connect(configuration)
    }

    /// The client address of `id`.
    func address(of id: NodeID) -> String { addresses[nodes.firstIndex { $0.id == id }!] }

    /// The sum of `counter` over every node still serving.
    func total(_ counter: String) -> UInt64 { nodes.filter(\.isServing).reduce(0) { $0 + $1.stats()[counter] } }
}

/// Polls `condition` until it holds or `seconds` pass; returns whether it held.
func eventually(seconds: Double = 5, _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}
