import GyreCore
import GyreHTTP2
import GyrePipeline
import GyreModel
import GyreRPC
import GyreWire
import NIOCore
import Synchronization

/// Calls other nodes' Replica service, on their peer addresses, with the cluster id and this
/// node's id attached to every call, and for calls to a member its node id (`gyre-to`) and the
/// epoch of the ring the call was routed by (`gyre-ring-epoch`).
///
/// Contract: thread-safe; never throws: every failure (refused connection, lost connection,
/// timeout, error status, undecodable answer) comes back as an `RPCError`. One pooled HTTP/2
/// connection per peer, reused by every call.
final class PeerClient: Sendable {
    static let clusterHeader = "gyre-cluster-id"
    static let fromHeader = "gyre-from"
    static let toHeader = "gyre-to"
    static let epochHeader = ReplicaAdmission.epochTrailer

    let client: GRPCClient
    let metadata: Metadata
    let hopDelay: HopDelay?

    init(client: GRPCClient, clusterID: ClusterID?, selfID: NodeID, hopDelay: HopDelay? = nil) {
        self.client = client
        self.hopDelay = hopDelay
        var metadata = Metadata()
        if let clusterID { metadata.addLowercased(Self.clusterHeader, clusterID.description) }
        metadata.addLowercased(Self.fromHeader, selfID.description)
        self.metadata = metadata
    }

    /// A client with the same connections, speaking for `clusterID` (once the cluster agreed on it).
    func joined(_ clusterID: ClusterID, selfID: NodeID) -> PeerClient {
        PeerClient(client: client, clusterID: clusterID, selfID: selfID, hopDelay: hopDelay)
    }

    /// Calls `member` (a replica call: it checks `gyre-to` and `gyre-ring-epoch`).
    func call<Request: WireMessage, Response: WireMessage>(
        _ member: Member, epoch: UInt64, _ path: String, _ request: Request, as _: Response.Type,
        timeoutNanoseconds: UInt64?, completion: @escaping @Sendable (Result<Response, PeerFailure>) -> Void
    ) {
        var metadata = self.metadata
        metadata.addLowercased(Self.toHeader, member.id.description)
        metadata.addLowercased(Self.epochHeader, String(epoch))
        call(member.peerAddress, path, request, as: Response.self, metadata: metadata,
             timeoutNanoseconds: timeoutNanoseconds, completion: completion)
    }

    /// Calls whoever listens at `address` (Identify, while members are not known yet).
    func call<Request: WireMessage, Response: WireMessage>(
        _ address: String, _ path: String, _ request: Request, as _: Response.Type, timeoutNanoseconds: UInt64?,
        completion: @escaping @Sendable (Result<Response, PeerFailure>) -> Void
    ) {
        call(address, path, request, as: Response.self, metadata: metadata, timeoutNanoseconds: timeoutNanoseconds,
             completion: completion)
    }

    private func call<Request: WireMessage, Response: WireMessage>(
        _ address: String, _ path: String, _ request: Request, as _: Response.Type, metadata: Metadata,
        timeoutNanoseconds: UInt64?, completion: @escaping @Sendable (Result<Response, PeerFailure>) -> Void
    ) {
        if let hopDelay {
            let framed = request.encodeFramed()
            hopDelay.after { [client] in
                client.start(address: address, path: path, framedRequest: framed, metadata: metadata,
                             timeoutNanoseconds: timeoutNanoseconds) { response in
                    hopDelay.after { Self.deliver(response, from: address, as: Response.self, completion: completion) }
                }
            }
            return
        }
        client.start(address: address, path: path, framedRequest: request.encodeFramed(), metadata: metadata,
                     timeoutNanoseconds: timeoutNanoseconds) { response in
            Self.deliver(response, from: address, as: Response.self, completion: completion)
        }
    }

    private static func deliver<Response: WireMessage>(
        _ response: ClientResponse, from address: String, as _: Response.Type,
        completion: @escaping @Sendable (Result<Response, PeerFailure>) -> Void
    ) {
        if let error = response.status.error {
            return completion(.failure(PeerFailure(error, notProcessed: response.notProcessed)))
        }
        do {
            completion(.success(try Response.decode(response.unaryMessage())))
        } catch let error as RPCError {
            completion(.failure(PeerFailure(error, notProcessed: false)))
        } catch {
            completion(.failure(PeerFailure(RPCError(.internal, "undecodable answer from \(address): \(error)"),
                                            notProcessed: false)))
        }
    }
}

/// A benchmark's stand-in for network latency on node-to-node hops (see
/// ``ClusterConfiguration/peerHopDelayNanoseconds``): work runs that long later, on an event loop.
struct HopDelay: Sendable {
    let nanoseconds: Int64
    let group: any EventLoopGroup

    func after(_ work: @escaping @Sendable () -> Void) {
        group.next().scheduleTask(in: .nanoseconds(nanoseconds), work)
    }
}

/// The node's current ``PeerClient``, replaced once when the cluster agrees on its id.
///
/// Contract: thread-safe; readers get the client current at the time of the call.
final class SharedPeerClient: Sendable {
    private let current: Mutex<PeerClient>

    init(_ client: PeerClient) { current = Mutex(client) }

    var value: PeerClient { current.withLock { $0 } }

    func replace(_ update: (PeerClient) -> PeerClient) { current.withLock { $0 = update($0) } }
}
