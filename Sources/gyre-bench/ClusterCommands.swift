import ArgumentParser
import Foundation
import GyreHTTP2
import GyreModel
import GyreRPC
import GyreWire
import NIOCore
import NIOPosix

/// `gyre-bench ring`: every node's `Cluster/Ring`, checked to agree, and the ring's balance table.
struct RingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ring",
        abstract: "Print the members and the balance table of a Gyre cluster's ring.",
        discussion: """
            Reads gyre.v1.Cluster/Ring from every address (retrying until --wait seconds pass, \
            so it also waits for the cluster to form), checks that all nodes route by the same \
            ring, rebuilds it as a GyreModel.Ring and prints Ring.balanceTable(n:).
            """)

    @Option(help: "Gyre client addresses, comma-separated HOST:PORT.")
    var addresses: String = "127.0.0.1:7100"

    @OptionGroup var tls: TLSOptions

    @Option(help: "Seconds to keep retrying while a node has no ring yet.")
    var wait: Double = 0

    @Option(help: "N for the replica columns (default: the cluster's replication).")
    var n: Int?

    mutating func run() async throws {
        let endpoints = try Endpoint.list(addresses)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = GRPCClient(group: group, tls: try tls.clientTLS())
        let caller = OneOffCaller(client: client)
        let deadline = now() + UInt64(wait * 1e9)
        var infos: [RingInfo] = []
        for endpoint in endpoints {
            while true {
                let answer = await caller.call(endpoint, "/gyre.v1.Cluster/Ring", framedRequest: RingRequest().encodeFramed(),
                                               timeoutNanoseconds: 2_000_000_000)
                if case let .success(bytes) = answer, let info = try? RingInfo.decode(bytes) {
                    infos.append(info)
                    break
                }
                if now() >= deadline {
                    await client.close()
                    RunCommand.fail("no ring from \(endpoint) within \(wait) s: \(answer)")
                }
                try? await Task.sleep(nanoseconds: 100_000_000)
            }
        }
        await client.close()
        try? await group.shutdownGracefully()
        let info = infos[0]
        for (endpoint, other) in zip(endpoints, infos).dropFirst() where other != info {
            var differences: [String] = []
            if other.epoch != info.epoch { differences.append("epoch \(other.epoch) vs \(info.epoch)") }
            if other.owners != info.owners { differences.append("partition owners differ") }
            if other.clusterID != info.clusterID { differences.append("cluster \(other.clusterID) vs \(info.clusterID)") }
            if other.members != info.members {
                let describe = { (members: [Member]) in
                    members.map { "\($0.id) client '\($0.clientAddress)' peer '\($0.peerAddress)'" }.joined(separator: "; ")
                }
                differences.append("members: [\(describe(other.members))] vs [\(describe(info.members))]")
            }
            RunCommand.fail("\(endpoint) routes by another ring than \(endpoints[0]): \(differences.joined(separator: ", "))")
        }
        let ring: Ring
        do {
            ring = try Ring(epoch: info.epoch, partitionCount: Int(info.partitionCount),
                            owners: info.owners.map { info.members[Int($0)].id }, members: info.members)
        } catch {
            RunCommand.fail("the ring from \(endpoints[0]) is invalid: \(error)")
        }
        print("ring: \(endpoints.count) node\(endpoints.count == 1 ? "" : "s") agree: cluster \(info.clusterID),"
            + " epoch \(info.epoch), Q=\(info.partitionCount), N=\(info.replication)")
        for member in ring.members {
            print("  member \(member.id) weight \(member.weight) client \(member.clientAddress) peer \(member.peerAddress)")
        }
        print(ring.balanceTable(n: n ?? Int(info.replication)))
    }
}

/// `gyre-bench stats`: every node's `Cluster/Stats` as one JSON line.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print every node's counters (gyre.v1.Cluster/Stats) as one JSON line.",
        discussion: "Output: {\"HOST:PORT\": {\"node\": ID, \"counters\": {NAME: VALUE, ...}}, ...}")

    @Option(help: "Gyre client addresses, comma-separated HOST:PORT.")
    var addresses: String = "127.0.0.1:7100"

    @OptionGroup var tls: TLSOptions

    mutating func run() async throws {
        let endpoints = try Endpoint.list(addresses)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = GRPCClient(group: group, tls: try tls.clientTLS())
        let caller = OneOffCaller(client: client)
        var nodes: [(String, JSONValue)] = []
        for endpoint in endpoints {
            switch await caller.call(endpoint, "/gyre.v1.Cluster/Stats", framedRequest: StatsRequest().encodeFramed()) {
            case let .success(bytes):
                guard let stats = try? NodeStats.decode(bytes) else {
                    await client.close()
                    RunCommand.fail("undecodable stats from \(endpoint)")
                }
                nodes.append((endpoint.description, .object([
                    ("node", .string(stats.nodeID)),
                    ("counters", .object(stats.counters.map { ($0.name, .uint($0.value)) })),
                ])))
            case let .failure(error):
                await client.close()
                RunCommand.fail("no stats from \(endpoint): \(error)")
            }
        }
        await client.close()
        try? await group.shutdownGracefully()
        print(JSONValue.object(nodes).text)
    }
}

/// `gyre-bench ping`: waits until every server answers.
struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "Wait until every server answers a call: gyre Health/Check SERVING, etcd KV/Range OK.",
        discussion: "etcd's Range is linearizable, so it answers OK only once the members have a leader.")

    @Option(help: "gyre or etcd.")
    var target: BenchTarget = .gyre

    @Option(help: "Client addresses, comma-separated HOST:PORT.")
    var addresses: String = "127.0.0.1:7100"

    @OptionGroup var tls: TLSOptions

    @Option(help: "Seconds to keep trying.")
    var wait: Double = 30

    mutating func run() async throws {
        let endpoints = try Endpoint.list(addresses)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = GRPCClient(group: group, tls: try tls.clientTLS())
        let caller = OneOffCaller(client: client)
        let deadline = now() + UInt64(wait * 1e9)
        let begin = now()
        for endpoint in endpoints {
            var last = ""
            while true {
                if let problem = await ping(caller, endpoint) {
                    last = problem
                } else {
                    break
                }
                if now() >= deadline {
                    await client.close()
                    RunCommand.fail("\(target) at \(endpoint) not ready within \(wait) s: \(last)")
                }
                try? await Task.sleep(nanoseconds: 100_000_000)
            }
        }
        await client.close()
        try? await group.shutdownGracefully()
        print("ping: \(endpoints.count) \(target) server\(endpoints.count == 1 ? "" : "s") ready after"
            + " \(JSONValue.fixed(Double(now() - begin) / 1e9, decimals: 2)) s")
    }

    /// nil when `endpoint` is ready, else what is wrong.
    private func ping(_ caller: OneOffCaller, _ endpoint: Endpoint) async -> String? {
        switch target {
        case .gyre:
            switch await caller.call(endpoint, "/grpc.health.v1.Health/Check",
                                     framedRequest: HealthCheckRequest().encodeFramed(), timeoutNanoseconds: 2_000_000_000) {
            case let .success(bytes):
                guard let response = try? HealthCheckResponse.decode(bytes) else { return "undecodable health answer" }
                return response.status == .serving ? nil : "health \(response.status)"
            case let .failure(error):
                return "\(error)"
            }
        case .etcd:
            let request = BenchMessages.framedRequest(key: Array("gyre-bench/ping".utf8), value: nil)
            switch await caller.call(endpoint, "/etcdserverpb.KV/Range", framedRequest: request,
                                     timeoutNanoseconds: 2_000_000_000) {
            case .success: return nil
            case let .failure(error): return "\(error)"
            }
        }
    }
}
