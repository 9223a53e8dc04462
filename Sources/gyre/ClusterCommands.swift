import ArgumentParser
import Foundation
import GyreClient

/// `gyre members`: every member and its state as one node's failure detector sees it.
struct MembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members", abstract: "List the members and their state (alive, suspect, dead) as one node sees them.")

    @OptionGroup var options: ClientOptions
    @Option(help: "Ask this node (HOST:PORT) instead of the first that answers.") var node: String?

    func run() async throws {
        let client = try await options.connect()
        let members: [GyreMemberState]
        do {
            members = try await client.members(at: node)
        } catch {
            await client.close()
            throw options.fail(error)
        }
        await client.close()
        if options.json {
            print(JSON.array(members.map { entry in
                .object([("id", .string(entry.member.id)), ("name", .string(entry.member.name)),
                         ("client_address", .string(entry.member.clientAddress)),
                         ("peer_address", .string(entry.member.peerAddress)), ("weight", .int(entry.member.weight)),
                         ("state", .string(entry.state)), ("incarnation", .uint(entry.incarnation)), ("self", .bool(entry.isSelf))])
            }).text)
        } else {
            print(Table.render(header: ["ID", "NAME", "CLIENT", "PEER", "STATE", "INCARNATION"], rows: members.map { entry in
                [entry.member.id + (entry.isSelf ? " *" : ""), entry.member.name.isEmpty ? "-" : entry.member.name,
                 entry.member.clientAddress, entry.member.peerAddress, entry.state, String(entry.incarnation)]
            }))
            print("(* the node that answered)")
        }
    }
}

/// `gyre ring`: the ring the client routes by.
struct RingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ring", abstract: "Show the ring: epoch, partitions, N, and the partitions each member owns.")

    @OptionGroup var options: ClientOptions
    @Option(help: "Also print the preference list of this key.") var key: String?

    func run() async throws {
        let client = try await options.connect()
        guard let ring = client.ring else {
            await client.close()
            throw options.fail(.noRing("no ring learned"))
        }
        let preference = key.map { client.preferenceList(for: Array($0.utf8)) }
        await client.close()
        let counts = ring.partitionsPerMember
        if options.json {
            var fields: [(String, JSON)] = [
                ("epoch", .uint(ring.epoch)), ("members_version", .uint(ring.membersVersion)),
                ("partition_count", .int(ring.partitionCount)), ("replication", .int(ring.replication)),
                ("cluster_id", .string(ring.clusterID)),
                ("members", .array(ring.members.map { member in
                    .object([("id", .string(member.id)), ("name", .string(member.name)),
                             ("client_address", .string(member.clientAddress)), ("peer_address", .string(member.peerAddress)),
                             ("weight", .int(member.weight)), ("partitions", .int(counts[member.id] ?? 0))])
                })),
                ("owners", .array(ring.owners.map { .int($0) })),
            ]
            if let key, let preference {
                fields.append(("key", .string(key)))
                fields.append(("preference_list", .array(preference.map { .string($0) })))
            }
            print(JSON.object(fields).text)
        } else {
            print("epoch \(ring.epoch), \(ring.partitionCount) partitions, N=\(ring.replication), cluster \(ring.clusterID)")
            print(Table.render(header: ["ID", "NAME", "CLIENT", "WEIGHT", "PARTITIONS", "SHARE"], rows: ring.members.map { member in
                let owned = counts[member.id] ?? 0
                let share = String(format: "%.1f%%", 100 * Double(owned) / Double(max(1, ring.partitionCount)))
                return [member.id, member.name.isEmpty ? "-" : member.name, member.clientAddress, String(member.weight),
                        String(owned), share]
            }))
            if let key, let preference { print("preference list of \(key): \(preference.joined(separator: ", "))") }
        }
    }
}

/// `gyre stats`: one node's counters.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Print one node's counters (request counts by status, storage, hints, connections).")

    @OptionGroup var options: ClientOptions
    @Option(help: "Ask this node (HOST:PORT) instead of the first that answers.") var node: String?
    @Option(help: "Only counters whose name starts with this.") var prefix: String = ""

    func run() async throws {
        let client = try await options.connect()
        let stats: GyreStats
        do {
            stats = try await client.stats(at: node)
        } catch {
            await client.close()
            throw options.fail(error)
        }
        await client.close()
        let counters = stats.counters.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key }
        if options.json {
            print(JSON.object([("node_id", .string(stats.nodeID)),
                               ("counters", .object(counters.map { ($0.key, JSON.uint($0.value)) }))]).text)
        } else {
            print("node \(stats.nodeID)")
            print(Table.render(header: ["COUNTER", "VALUE"], rows: counters.map { [$0.key, String($0.value)] }))
        }
    }
}

/// Left-aligned columns separated by two spaces.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
