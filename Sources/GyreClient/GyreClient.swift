import GyreCore
import GyreHTTP2
import GyreModel
import GyreRPC
import GyreWire
import NIOCore
import NIOPosix
import Synchronization

/// A Gyre cluster, seen from a Swift program: get, put and delete with causal contexts, routed
/// by the client straight to a node of each key's preference list.
///
/// Contract: thread-safe; share one client per cluster. ``connect(_:)`` learns the ring from the
/// first seed that answers, then keeps it current (a `WatchRing` stream, and a refresh whenever
/// an answer carries a newer ring epoch). Each call goes to the first live node of the key's
/// preference list over one multiplexed HTTP/2 connection per node; on failure it moves on by the
/// nodes' own rule (``RetryRule``): reads on UNAVAILABLE or a broken connection, writes only when
/// certainly not applied. A write that may have been applied is reported
/// (``GyreClientError/possiblyApplied(acks:hinted:message:)``), never retried. Nodes still
/// coordinate: the client only picks where to send. Call ``close()`` when done: it ends the ring
/// stream and the connections, and later calls fail with ``GyreClientError/cancelled(_:)``.
public final class GyreClient: Sendable {
    public let configuration: GyreClientConfiguration
    let transport: GRPCClient
    let group: MultiThreadedEventLoopGroup
    let table = RingTable()
    let backoff: NodeBackoff
    let closed = Atomic<Bool>(false)
    let follower = Mutex<FollowerState>(FollowerState())

    struct FollowerState {
        var watch: Task<Void, Never>?
        var refreshing = false
    }

    /// A client for `configuration`; it learns nothing until ``start()``. Throws
    /// ``GyreClientError/configuration(_:)`` for an unusable seed or TLS file.
    public init(configuration: GyreClientConfiguration) throws(GyreClientError) {
        guard !configuration.seeds.isEmpty else { throw .configuration("no seed address given") }
        for seed in configuration.seeds where HostPort.parse(seed) == nil {
            throw .configuration("seed '\(seed)' is not HOST:PORT")
        }
        var tls: ClientTLS?
        if let files = configuration.tls {
            do {
                tls = try ClientTLS(trustRoots: files.caFile, certificateChain: files.certificateFile, privateKey: files.keyFile)
            } catch {
                throw .configuration("\(error)")
            }
        }
        self.configuration = configuration
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.eventLoopThreads))
        transport = GRPCClient(group: group, maxMessageBytes: configuration.maxMessageBytes,
                               connectTimeoutNanoseconds: Int64(Self.nanoseconds(configuration.connectTimeout)), tls: tls)
        backoff = NodeBackoff(initial: configuration.initialBackoff, maximum: configuration.maxBackoff)
    }

    /// A client that has learned the ring (see ``start()``).
    public static func connect(_ configuration: GyreClientConfiguration) async throws(GyreClientError) -> GyreClient {
        let client = try GyreClient(configuration: configuration)
        do {
            try await client.start()
        } catch {
            await client.close()
            throw error
        }
        return client
    }

    /// Learns the ring from the first seed that answers (throws ``GyreClientError/noRing(_:)``
    /// when none does) and starts following it.
    public func start() async throws(GyreClientError) {
        try await refreshRing()
        if configuration.watchRing { startWatching() }
    }

    /// Ends the ring stream and every connection; calls in flight fail, later calls are cancelled.
    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let watch = follower.withLock { state in
            defer { state.watch = nil }
            return state.watch
        }
        watch?.cancel()
        await transport.close()
        await watch?.value
        try? await group.shutdownGracefully()
    }

    var isClosed: Bool { closed.load(ordering: .acquiring) }

    // MARK: the key-value calls

    /// Reads `key`: every sibling value and the context to write back with.
    public func get(_ key: [UInt8], options: GyreCallOptions = GyreCallOptions()) async throws(GyreClientError) -> GyreReadResult {
        let request = GetRequest(key: Key(key), r: options.r)
        let answer = try await perform(.read, key: key, path: "/gyre.v1.KV/Get", framed: request.encodeFramed(),
                                       deadline: options.deadline)
        let response: GetResponse = try decode(answer)
        noteEpoch(response.ringEpoch)
        return GyreReadResult(values: response.values, context: GyreContext(bytes: response.context.bytes),
                              replicas: Int(response.replicas), hinted: Int(response.hinted), node: answer.address)
    }

    /// Writes `value` under `key`, replacing the versions `context` covers (without one it adds
    /// a sibling to what the key holds).
    public func put(_ key: [UInt8], value: [UInt8], context: GyreContext = .none,
                    options: GyreCallOptions = GyreCallOptions()) async throws(GyreClientError) -> GyreWriteResult {
        let request = PutRequest(key: Key(key), value: value, context: CausalContext(context.bytes), w: options.w,
                                 strictQuorum: options.strictQuorum)
        let answer = try await perform(.write, key: key, path: "/gyre.v1.KV/Put", framed: request.encodeFramed(),
                                       deadline: options.deadline)
        let response: PutResponse = try decode(answer)
        noteEpoch(response.ringEpoch)
        return GyreWriteResult(values: response.values, context: GyreContext(bytes: response.context.bytes),
                               replicas: Int(response.replicas), hinted: Int(response.hinted), node: answer.address)
    }

    /// Deletes `key` with a tombstone replacing the versions `context` covers (without one,
    /// whatever the coordinating node holds).
    public func delete(_ key: [UInt8], context: GyreContext = .none,
                       options: GyreCallOptions = GyreCallOptions()) async throws(GyreClientError) -> GyreDeleteResult {
        let request = DeleteRequest(key: Key(key), context: CausalContext(context.bytes), w: options.w,
                                    strictQuorum: options.strictQuorum)
        let answer = try await perform(.write, key: key, path: "/gyre.v1.KV/Delete", framed: request.encodeFramed(),
                                       deadline: options.deadline)
        let response: DeleteResponse = try decode(answer)
        noteEpoch(response.ringEpoch)
        return GyreDeleteResult(replicas: Int(response.replicas), hinted: Int(response.hinted), node: answer.address)
    }

    func decode<Message: WireMessage>(_ answer: Answer) throws(GyreClientError) -> Message {
        do {
            return try Message.decode(answer.bytes)
        } catch {
            throw .server(code: StatusCode.internal.rawValue, message: "\(answer.address) answered an undecodable message: \(error)")
        }
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000)
    }
}

extension GyreClient {
    /// String conveniences: keys and values as UTF-8.
    public func get(_ key: String, options: GyreCallOptions = GyreCallOptions()) async throws(GyreClientError) -> GyreReadResult {
        try await get(Array(key.utf8), options: options)
    }

    public func put(_ key: String, value: String, context: GyreContext = .none,
                    options: GyreCallOptions = GyreCallOptions()) async throws(GyreClientError) -> GyreWriteResult {
        try await put(Array(key.utf8), value: Array(value.utf8), context: context, options: options)
    }

    public func delete(_ key: String, context: GyreContext = .none,
                       options: GyreCallOptions = GyreCallOptions()) async throws(GyreClientError) -> GyreDeleteResult {
        try await delete(Array(key.utf8), context: context, options: options)
    }
}
