import GyreHTTP2
import GyreModel
import GyrePipeline
import GyreRPC

/// Decides whether a Replica call may act for the node it claims to come from.
///
/// Contract: with mutual TLS (`required`), a call is accepted only when its connection presented
/// a certificate signed by the cluster's CA (the TLS layer checked that) that names a current
/// member, and that member's node id is the one the call claims in `gyre-from`. A node whose data
/// directory was wiped has a new node id under its old certificate, so it is refused until it
/// joins again. `Replica.Identify` (formation, before members are known) needs only the
/// CA-signed certificate until the cluster has formed, and then one that names a member (its
/// answer carries the cluster secret). Without mutual TLS every call is accepted: the peer
/// listener is then on loopback, or the operator chose `--insecure-peers`.
struct PeerAuthorization: Sendable {
    let required: Bool
    let state: ClusterState

    /// True when `call` may go on; otherwise it has been answered UNAUTHENTICATED or
    /// PERMISSION_DENIED.
    func admitsMember(_ call: ServerCall) -> Bool {
        guard required else { return true }
        guard let peer = call.peer else {
            call.fail(RPCError(.unauthenticated, "peer calls need a client certificate signed by the cluster's CA"))
            return false
        }
        guard let claimed = call.head.metadata[PeerClient.fromHeader], let id = NodeID(claimed) else {
            call.fail(RPCError(.unauthenticated, "a peer call must name its node in \(PeerClient.fromHeader)"))
            return false
        }
        guard let members = state.currentView?.ring.members else {
            call.fail(RPCError(.unavailable, "the cluster is still forming"))
            return false
        }
        guard let member = members.first(where: { $0.id == id }) else {
            call.fail(RPCError(.permissionDenied, "node \(id) is not a member of this cluster"))
            return false
        }
        guard peer.names(member.name) else {
            call.fail(RPCError(.permissionDenied,
                               "the caller's certificate (\(peer.names.joined(separator: ", "))) does not name member \(id) (\(member.name.isEmpty ? "unnamed" : member.name))"))
            return false
        }
        return true
    }

    /// True when `call` may ask who this node is (Identify): any CA-signed peer while the cluster
    /// forms, a member once it has formed.
    func admitsPeer(_ call: ServerCall) -> Bool {
        guard required else { return true }
        guard let peer = call.peer else {
            call.fail(RPCError(.unauthenticated, "peer calls need a client certificate signed by the cluster's CA"))
            return false
        }
        if let members = state.currentView?.ring.members, !members.contains(where: { peer.names($0.name) }) {
            call.fail(RPCError(.permissionDenied,
                               "the caller's certificate (\(peer.names.joined(separator: ", "))) names no member of this cluster"))
            return false
        }
        return true
    }
}
