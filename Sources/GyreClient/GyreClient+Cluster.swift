import GyreCore
import GyreHTTP2
import GyreModel
import GyreRPC
import GyreWire

extension GyreClient {
    /// The ring the client routes by now (nil before ``start()``).
    public var ring: GyreRing? {
        guard let snapshot = table.snapshot else { return nil }
        let info = snapshot.info
        return GyreRing(epoch: info.epoch, membersVersion: info.membersVersion, partitionCount: Int(info.partitionCount),
                        replication: Int(info.replication), members: info.members.map(Self.member),
                        owners: info.owners.map { Int($0) }, clusterID: info.clusterID.description)
    }

    /// The client addresses of `key`'s preference list in the current ring (where the client
    /// sends a request for it first), or empty before ``start()``.
    public func preferenceList(for key: [UInt8]) -> [String] { table.preferenceAddresses(for: key) }

    /// Asks for the ring again now (the client also does so by itself when it sees a newer one).
    public func refresh() async throws(GyreClientError) { try await refreshRing() }

    /// Every member and its state as `node`'s failure detector sees it (default: the first
    /// live member).
    public func members(at node: String? = nil) async throws(GyreClientError) -> [GyreMemberState] {
        let (bytes, _) = try await ask(node, path: "/gyre.v1.Cluster/Members", framed: MembersRequest().encodeFramed())
        do {
            let response = try MembersResponse.decode(bytes)
            return response.members.map {
                GyreMemberState(member: Self.member($0.member), state: $0.state.description, incarnation: $0.incarnation,
                                isSelf: $0.isSelf)
            }
        } catch {
            throw .server(code: StatusCode.internal.rawValue, message: "undecodable Members answer: \(error)")
        }
    }

    /// `node`'s counters (default: the first live member).
    public func stats(at node: String? = nil) async throws(GyreClientError) -> GyreStats {
        let (bytes, _) = try await ask(node, path: "/gyre.v1.Cluster/Stats", framed: StatsRequest().encodeFramed())
        do {
            let stats = try NodeStats.decode(bytes)
            return GyreStats(nodeID: stats.nodeID,
                             counters: Dictionary(stats.counters.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }))
        } catch {
            throw .server(code: StatusCode.internal.rawValue, message: "undecodable Stats answer: \(error)")
        }
    }

    /// One read-only call to `node`, or to the first member (seeds first) that answers.
    private func ask(_ node: String?, path: String, framed: [UInt8]) async throws(GyreClientError) -> ([UInt8], String) {
        if isClosed { throw .cancelled("the client is closed") }
        let targets = node.map { [$0] } ?? ringSources
        var last: GyreClientError = .noRing("no node to ask")
        for address in targets {
            let response = await call(address: address, path: path, framed: framed, timeout: configuration.defaultDeadline)
            if response.fromServer { backoff.answered(address) } else { backoff.failed(address) }
            if response.status.code == .ok, response.messages.count == 1 { return (response.messages[0], address) }
            last = Self.error(.read, response, address: address, tried: 1)
        }
        throw last
    }

    static func member(_ member: Member) -> GyreMember {
        GyreMember(id: member.id.description, name: member.name, weight: Int(member.weight),
                   clientAddress: member.clientAddress, peerAddress: member.peerAddress)
    }
}

extension GyreClient {
    /// The version of this SDK (the Gyre release it belongs to).
    public static let version = GyreVersion.current
}
