import GyreHTTP2
import GyrePipeline
import GyreRPC
import GyreWire

/// The pipeline's ``KVResponder`` for a call that arrived over HTTP/2: answers are framed for
/// whoever asked (a client: `KV` messages; a forwarding node: a `CoordinateResponse`).
///
/// Contract: the call's deadline is the responder's; answering after the call ended (the server
/// answered DEADLINE_EXCEEDED, or the client went away) does nothing.
struct CallResponder: KVResponder {
    let call: ServerCall
    let format: ReplyFormat

    var deadline: UInt64? { call.deadline }

    func answer(_ reply: KVReply) {
        switch reply {
        case let .get(response): call.respond(format.get(response))
        case let .put(response): call.respond(format.put(response))
        case let .delete(response): call.respond(format.delete(response))
        }
    }

    func fail(_ error: RPCError) { call.fail(error) }
}
