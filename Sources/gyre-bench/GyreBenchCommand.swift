import ArgumentParser
import Foundation
import GyreHTTP2
import GyreModel
import GyreWire
import NIOCore
import NIOPosix

/// `gyre-bench`: a gRPC load generator for Gyre and etcd, plus the cluster queries the
/// benchmark script needs (ring balance, counters, readiness).
@main
struct GyreBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gyre-bench",
        abstract: "Load a Gyre cluster or an etcd cluster with Put/Get calls and report throughput and latency.",
        version: GyreVersion.current,
        subcommands: [RunCommand.self, YCSBCommand.self, RingCommand.self, StatsCommand.self, PingCommand.self, StorageCommand.self, MACCommand.self],
        defaultSubcommand: RunCommand.self)
}

/// `gyre-bench run` (the default): one measured load run.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Drive Put of fresh keys or Get of existing keys for a bounded time.",
        discussion: """
            --concurrency workers each keep one call in flight over --connections HTTP/2 \
            connections (connection c goes to address c mod A; worker w sends to address w mod A, \
            so every server gets an equal share, or with --route ring to the owner of its key's \
            partition, on one of the connections to that address). Put \
            writes fresh keys PREFIX/WORKER/SEQ (never the same key twice, so no siblings); Get \
            reads keys PREFIX/I, I uniform in 0..<--keys, which must exist: write them first \
            with --preload (a step of its own with --duration 0). Every response's grpc-status \
            is counted, every OK body checked (one value, the bench value). Prints a summary, \
            then one JSON line. Exit status: 0 when every call was OK, 3 when some failed.
            """)

    @Option(help: "What to load: gyre or etcd.")
    var target: BenchTarget = .gyre

    @Option(help: "Server client addresses, comma-separated HOST:PORT.")
    var addresses: String = "127.0.0.1:7100"

    @OptionGroup var tls: TLSOptions

    @Option(help: "put (fresh keys) or get (etcd: Range).")
    var op: BenchOperation = .put

    @Option(help: "Calls in flight.")
    var concurrency: Int = 100

    @Option(help: "HTTP/2 connections, spread over the addresses round-robin.")
    var connections: Int = 10

    @Option(help: "Measured seconds (0: only --preload).")
    var duration: Double = 10

    @Option(help: "Warm-up seconds before the measured window.")
    var warmup: Double = 1

    @Option(help: "Bytes per value.")
    var valueBytes: Int = 100

    @Option(help: "Get keyspace: keys PREFIX/0 ..< PREFIX/KEYS.")
    var keys: Int = 10_000

    @Option(help: "Key prefix; use a new one per put run so every key is fresh.")
    var keyPrefix: String = "bench"

    @Flag(help: "First write the Get keyspace (once per cluster: Gyre keeps a second put without context as a sibling).")
    var preload = false

    @Option(help: "round-robin, or ring (gyre: send each key to its partition's owner).")
    var route: Routing = .roundRobin

    @Option(help: "Client event-loop threads.")
    var threads: Int = 1

    @Option(help: "Per-call deadline in ms, sent as grpc-timeout (0: none).")
    var timeoutMs: Int = 5000

    @Option(help: "Server PIDs, comma-separated, whose CPU time over the window is reported per op.")
    var cpuPids: String = ""

    @Option(help: "Seed of the Get key choice.")
    var seed: UInt64 = 1

    mutating func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard connections >= 1 else { throw ValidationError("--connections must be at least 1") }
        guard duration >= 0, warmup >= 0 else { throw ValidationError("--duration and --warmup must not be negative") }
        guard duration > 0 || preload else { throw ValidationError("--duration 0 only makes sense with --preload") }
        guard valueBytes >= 0, keys >= 1 else { throw ValidationError("--value-bytes must be >= 0 and --keys >= 1") }
        guard threads >= 1, timeoutMs >= 0 else { throw ValidationError("--threads must be >= 1, --timeout-ms >= 0") }
        guard route == .roundRobin || target == .gyre else { throw ValidationError("--route ring is for --target gyre") }
    }

    mutating func run() async throws {
        let endpoints = try Endpoint.list(addresses)
        let pids = try cpuPids.split(separator: ",").map { text in
            guard let pid = Int32(text.trimmingPrefix(" ")), pid > 0 else { throw ValidationError("--cpu-pids: bad pid \(text)") }
            return pid
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)

        // K connections, each from its own pool (a GRPCClient keeps one connection per address).
        var clients: [GRPCClient] = []
        var opened: [ClientConnection] = []
        var openedEndpoints: [Endpoint] = []
        for index in 0..<connections {
            let endpoint = endpoints[index % endpoints.count]
            let client = GRPCClient(group: group, tls: try tls.clientTLS())
            do {
                opened.append(try await client.connection(host: endpoint.host, port: endpoint.port))
            } catch {
                Self.fail("cannot connect to \(endpoint): \(error)")
            }
            clients.append(client)
            openedEndpoints.append(endpoint)
        }
        let addressOf = opened.indices.map { $0 % endpoints.count }
        var routes: RingRoutes?
        if route == .ring {
            routes = await ringRoutes(client: clients[0], endpoints: endpoints, connectionEndpoints: openedEndpoints)
        }

        let value = BenchMessages.benchValue(count: valueBytes)
        let timeout = timeoutMs == 0 ? nil : UInt64(timeoutMs) * 1_000_000
        let setting = "\(target) \(op.methodName(for: target)) on \(endpoints.map(\.description).joined(separator: ",")):"
            + " concurrency \(concurrency) over \(connections) connections (\(route.rawValue)), \(valueBytes)-byte values,"
            + " \(threads) client thread\(threads == 1 ? "" : "s")"
        var exitCode: Int32 = 0

        if preload {
            let plan = LoadPlan(target: target, mode: .preload, concurrency: min(concurrency, keys), keys: keys,
                                keyPrefix: keyPrefix, value: value, timeoutNanoseconds: timeout, warmupNanoseconds: 0,
                                durationNanoseconds: 0, seed: seed)
            let result = await LoadGenerator(plan: plan, connections: opened, addressOf: addressOf, routes: routes, serverPIDs: []).run()
            let seconds = Double(result.windowNanoseconds) / 1e9
            print("gyre-bench: preloaded \(result.totalOK) of \(keys) keys \(keyPrefix)/0..<\(keys) in "
                + "\(JSONValue.fixed(seconds, decimals: 2)) s (\(JSONValue.fixed(Double(result.totalOK) / seconds, decimals: 0)) ops/s)")
            if result.totalOK != UInt64(keys) {
                print("gyre-bench: preload FAILED: errors \(Self.describe(result.totalErrors)) bad \(Self.describe(result.totalBad))"
                    + " \(result.errorSamples)")
                await Self.close(clients, group)
                throw ExitCode(3)
            }
        }

        if duration > 0 {
            let plan = LoadPlan(target: target, mode: op == .put ? .put : .get, concurrency: concurrency, keys: keys,
                                keyPrefix: keyPrefix, value: value, timeoutNanoseconds: timeout,
                                warmupNanoseconds: UInt64(warmup * 1e9), durationNanoseconds: UInt64(duration * 1e9),
                                seed: seed)
            let generator = LoadGenerator(plan: plan, connections: opened, addressOf: addressOf, routes: routes, serverPIDs: pids)
            let result = await generator.run()
            print(BenchReport(setting: setting, plan: plan, result: result, serverPIDs: pids,
                              connections: connections, routing: route, threads: threads).text)
            if !result.totalErrors.isEmpty || !result.totalBad.isEmpty || result.stuck > 0 { exitCode = 3 }
        }
        await Self.close(clients, group)
        if exitCode != 0 { throw ExitCode(exitCode) }
    }

    /// Fetches the ring from the first address and maps each partition to the connections that
    /// reach its owner's client address.
    private func ringRoutes(client: GRPCClient, endpoints: [Endpoint], connectionEndpoints: [Endpoint]) async -> RingRoutes {
        let caller = OneOffCaller(client: client)
        let info: RingInfo
        switch await caller.call(endpoints[0], "/gyre.v1.Cluster/Ring", framedRequest: RingRequest().encodeFramed()) {
        case let .success(bytes):
            do { info = try RingInfo.decode(bytes) } catch { Self.fail("undecodable ring from \(endpoints[0]): \(error)") }
        case let .failure(error):
            Self.fail("cannot read the ring from \(endpoints[0]): \(error)")
        }
        var byMember: [[Int]] = []
        for member in info.members {
            let indices = connectionEndpoints.indices.filter { connectionEndpoints[$0].description == member.clientAddress }
            if indices.isEmpty {
                Self.fail("--route ring: no connection to member \(member.id) at \(member.clientAddress):"
                    + " list every node's client address in --addresses (and --connections >= the node count)")
            }
            byMember.append(indices)
        }
        return RingRoutes(partitionCount: Int(info.partitionCount),
                          connectionsByPartition: info.owners.map { byMember[Int($0)] })
    }

    static func describe(_ counts: [String: UInt64]) -> String {
        counts.isEmpty ? "none" : counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    static func close(_ clients: [GRPCClient], _ group: MultiThreadedEventLoopGroup) async {
        for client in clients { await client.close() }
        try? await group.shutdownGracefully()
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("gyre-bench: \(message)\n".utf8))
        Foundation.exit(1)
    }
}
