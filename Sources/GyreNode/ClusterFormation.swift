import GyreModel
import GyrePipeline
import GyreRPC
import Logging
import NIOCore

/// Forms the cluster from the static member list (`--peers`): asks every peer who it is
/// (`Replica.Identify`), agrees on the cluster id and Q, and claims the first ring.
///
/// Contract: returns once every peer answered, or throws ``FormationError`` when one has not
/// answered within the formation timeout or disagrees on Q or on an explicit cluster id. The
/// agreed cluster id and cluster secret are the ones proposed by the member with the lowest node
/// id (each node proposes its `--cluster-id` or a random one, and a random secret): one node
/// creates them, all agree without another round. The secret travels in Identify answers,
/// protected only by the peer listener's authentication.
struct ClusterFormation {
    /// What formation agreed on.
    struct Formed {
        let ring: Ring
        let clusterID: ClusterID
        let secret: ClusterSecret
    }

    let state: ClusterState
    let peers: PeerClient
    let logger: Logger

    /// - Parameter storedClusterID: the cluster this node's store belongs to, if any.
    func form(storedClusterID: ClusterID?) async throws -> Formed {
        let configuration = state.configuration
        let own = "\(configuration.peerHost):\(configuration.peerPort)"
        let addresses = Array(Set(configuration.peers.filter { $0 != own && $0 != state.me.peerAddress })).sorted()
        var answers: [String: IdentifyResponse] = [:]
        var lastReported = -1
        let deadline = ContinuousClock.now + .milliseconds(Int(configuration.formationTimeoutSeconds * 1000))
        while answers.count < addresses.count {
            for address in addresses where answers[address] == nil {
                if let answer = await identify(address) { answers[address] = answer }
            }
            if answers.count == addresses.count { break }
            guard ContinuousClock.now < deadline else {
                let missing = addresses.filter { answers[$0] == nil }
                throw FormationError("peers did not answer within \(configuration.formationTimeoutSeconds) s: \(missing.joined(separator: ", "))")
            }
            if answers.count != lastReported {
                // Once per change, not once per retry.
                lastReported = answers.count
                logger.info("waiting for peers", metadata: [
                    "cluster.answered": "\(answers.count)/\(addresses.count)",
                    "cluster.missing": "\(addresses.filter { answers[$0] == nil }.joined(separator: ","))",
                ])
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        if storedClusterID == nil, let (address, formed) = answers.sorted(by: { $0.key < $1.key })
            .first(where: { $0.value.ringEpoch > 0 && !$0.value.callerIsMember }) {
            // The others already serve a ring, and this node has no store of that cluster: it is
            // not one of its members. Forming a ring of its own would put a second ring, with
            // itself at some member's address, beside theirs.
            throw FormationError("the peers already formed cluster \(formed.clusterID) (ring epoch \(formed.ringEpoch), e.g. \(address)) and this node (id \(state.me.id)) is not a member: its data directory is new. If it held this member's data before (wiped or replaced), that member's identity is gone with it. Restore the data directory, or start the node with another --peers list to make a new cluster; joining a formed cluster as a new member is not supported yet")
        }
        var members = [state.me]
        var proposals = [(id: state.me.id, clusterID: state.proposedClusterID, secret: state.proposedSecret)]
        for (address, answer) in answers.sorted(by: { $0.key < $1.key }) {
            guard Int(answer.partitionCount) == configuration.partitionCount else {
                throw FormationError("peer \(address) uses --partitions \(answer.partitionCount), this node \(configuration.partitionCount): Q is fixed for a cluster")
            }
            guard !members.contains(where: { $0.id == answer.member.id }) else {
                throw FormationError("peer \(address) has the same node id as another member (\(answer.member.id))")
            }
            members.append(answer.member)
            proposals.append((answer.member.id, answer.clusterID, answer.clusterSecret))
        }
        let lowest = proposals.min { $0.id < $1.id }!
        let agreed = lowest.clusterID
        if let explicit = configuration.clusterID, explicit != agreed {
            throw FormationError("--cluster-id \(explicit) differs from the cluster's id \(agreed)")
        }
        let ring = Ring.claim(members: members, partitionCount: configuration.partitionCount)
        logger.info("cluster formed", metadata: ["cluster.id": "\(agreed)", "cluster.members": "\(members.count)",
                                                 "ring.partitions": "\(configuration.partitionCount)"])
        return Formed(ring: ring, clusterID: agreed, secret: lowest.secret)
    }

    private func identify(_ address: String) async -> IdentifyResponse? {
        await withCheckedContinuation { continuation in
            peers.call(address, ReplicaPaths.identify, IdentifyRequest(), as: IdentifyResponse.self,
                       timeoutNanoseconds: 1_000_000_000) { [logger] result in
                if case let .failure(failure) = result {
                    logger.debug("identify failed", metadata: ["gyre.peer": "\(address)", "gyre.error": "\(failure.error)"])
                }
                continuation.resume(returning: try? result.get())
            }
        }
    }
}

/// Why a cluster could not form; the message is for the operator.
struct FormationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The Replica service's method paths.
enum ReplicaPaths {
    static let get = "/gyre.v1.Replica/Get"
    static let put = "/gyre.v1.Replica/Put"
    static let coordinate = "/gyre.v1.Replica/Coordinate"
    static let identify = "/gyre.v1.Replica/Identify"
    static let batch = "/gyre.v1.Replica/Batch"
    static let hintPut = "/gyre.v1.Replica/HintPut"
    static let gossip = "/gyre.v1.Replica/Gossip"
    static let stats = "/gyre.v1.Replica/Stats"
}
