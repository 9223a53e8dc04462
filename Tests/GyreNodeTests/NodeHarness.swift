import GyreHTTP2
import GyreModel
import GyreNode
import GyreRPC
import GyreStorage
import GyreWire
import NIOCore
import NIOPosix

/// An in-process node on a loopback port, and a client to call it.
struct NodeHarness {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let node: Node
    let client: GRPCClient
    let port: Int

    /// Starts a node; by default waits until its cluster has formed (a one-node cluster forms at once).
    static func start(waitUntilFormed: Bool = true, storage: any StorageEngine = InMemoryEngine(),
                      _ configure: (inout NodeConfiguration) -> Void = { _ in }) async throws -> NodeHarness {
        var configuration = NodeConfiguration(listenHost: "127.0.0.1", listenPort: 0, enableTestHooks: true)
        configure(&configuration)
        let node = try Node(configuration: configuration, storage: storage, group: group)
        let address: SocketAddress
        do {
            address = try await node.start()
        } catch {
            await node.shutdown()  // a listener may be bound already
            throw error
        }
        if waitUntilFormed { try await node.formed() }
        return NodeHarness(node: node, client: GRPCClient(group: group), port: address.port!)
    }

    func stop() async {
        await client.close()
        await node.shutdown()
    }

    func call<Request: WireMessage>(_ path: String, _ request: Request, metadata: Metadata = Metadata(),
                                    timeoutNanoseconds: UInt64? = nil) async -> ClientResponse {
        await client.call(host: "127.0.0.1", port: port, path: path, framedRequest: request.encodeFramed(),
                          metadata: metadata, timeoutNanoseconds: timeoutNanoseconds)
    }

    func get(_ key: String) async throws -> GetResponse {
        try GetResponse.decode(await call("/gyre.v1.KV/Get", GetRequest(key: Key(key))).unaryMessage())
    }

    func put(_ key: String, _ value: String, context: CausalContext = .none) async throws -> PutResponse {
        try PutResponse.decode(await call("/gyre.v1.KV/Put", PutRequest(key: Key(key), value: Array(value.utf8),
                                                                          context: context)).unaryMessage())
    }

    /// Polls `condition` until it holds or `seconds` pass; returns whether it held.
    static func eventually(seconds: Double = 5, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }
}
