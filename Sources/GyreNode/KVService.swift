import GyreHTTP2
import GyreModel
import GyreRPC
import GyreWire

/// The `gyre.v1.KV` service: Get, Put and Delete, validated here and then routed (coordinated on
/// this node or forwarded to one in the key's preference list).
///
/// Contract: every request is checked (well-formed protobuf, key and value limits) before it
/// touches storage or the network; a get of a missing or deleted key answers OK with no values
/// and a context.
struct KVService {
    let router: RequestRouter
    let limits: KVLimits

    func register(into router: inout RPCRouter, wrap: (@escaping RegisteredMethod.Handler) -> RegisteredMethod.Handler) {
        let service = self
        router.register("/gyre.v1.KV/Get", handler: wrap { call, bytes in service.get(call, bytes) })
        router.register("/gyre.v1.KV/Put", handler: wrap { call, bytes in service.put(call, bytes) })
        router.register("/gyre.v1.KV/Delete", handler: wrap { call, bytes in service.delete(call, bytes) })
    }

    func get(_ call: ServerCall, _ bytes: [UInt8]) {
        guard let request: GetRequest = RequestChecks.decode(call, bytes),
              RequestChecks.valid(call, key: request.key, limits: limits) else { return }
        router.get(call, request, hops: 0, format: .client)
    }

    func put(_ call: ServerCall, _ bytes: [UInt8]) {
        guard let request: PutRequest = RequestChecks.decode(call, bytes) else { return }
        coordinatePut(call, request, hops: 0, format: .client)
    }

    func delete(_ call: ServerCall, _ bytes: [UInt8]) {
        guard let request: DeleteRequest = RequestChecks.decode(call, bytes) else { return }
        coordinateDelete(call, request, hops: 0, format: .client)
    }

    func coordinatePut(_ call: ServerCall, _ request: PutRequest, hops: UInt32, format: ReplyFormat) {
        guard RequestChecks.valid(call, key: request.key, limits: limits),
              RequestChecks.valid(call, value: request.value, limits: limits) else { return }
        router.write(call, key: request.key, value: .value(request.value), causal: request.context, w: request.w,
                     hops: hops, forwardAs: .put(request), format: format)
    }

    func coordinateDelete(_ call: ServerCall, _ request: DeleteRequest, hops: UInt32, format: ReplyFormat) {
        guard RequestChecks.valid(call, key: request.key, limits: limits) else { return }
        router.write(call, key: request.key, value: .tombstone, causal: request.context, w: request.w,
                     hops: hops, forwardAs: .delete(request), format: format)
    }
}

/// The checks every request goes through, each answering the call itself when it fails.
enum RequestChecks {
    static func decode<Message: WireMessage>(_ call: ServerCall, _ bytes: [UInt8]) -> Message? {
        do {
            return try Message.decode(bytes)
        } catch {
            call.fail(RPCError(.invalidArgument, error.description))
            return nil
        }
    }

    static func valid(_ call: ServerCall, key: Key, limits: KVLimits) -> Bool {
        guard let violation = limits.validate(key: key) else { return true }
        call.fail(RPCError(.invalidArgument, violation.description))
        return false
    }

    static func valid(_ call: ServerCall, value: [UInt8], limits: KVLimits) -> Bool {
        guard let violation = limits.validate(value: value) else { return true }
        call.fail(RPCError(.invalidArgument, violation.description))
        return false
    }
}
