public import GyreModel
public import GyreRPC

/// The answer to one client request (KV Get, Put or Delete, from a client or forwarded by a
/// node): the port through which the pipeline answers. The node plugs in its `ServerCall` (which
/// frames the answer for a client or for the forwarding node); the simulation its clients.
///
/// Contract: thread-safe; the pipeline calls ``answer(_:)`` or ``fail(_:)`` exactly once (a
/// responder may ignore a call that comes after the client gave up). `deadline` is the client's
/// deadline on the pipeline's clock, if it sent one.
public protocol KVResponder: Sendable {
    var deadline: UInt64? { get }
    func answer(_ reply: KVReply)
    func fail(_ error: RPCError)
}

/// A successful answer.
public enum KVReply: Sendable, Equatable {
    case get(GetResponse)
    case put(PutResponse)
    case delete(DeleteResponse)

    /// The answer a remote coordinator sent back (Replica.Coordinate).
    public init(_ result: CoordinateResponse.Result) {
        switch result {
        case let .get(response): self = .get(response)
        case let .put(response): self = .put(response)
        case let .delete(response): self = .delete(response)
        }
    }
}
