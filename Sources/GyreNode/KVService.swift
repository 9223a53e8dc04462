import GyreHTTP2
import GyreModel
import GyreRPC
import GyreStorage
import GyreWire

/// The `gyre.v1.KV` service of a single node: Get, Put and Delete over a storage engine.
///
/// Contract: every request is validated (well-formed protobuf, key and value limits, a context
/// this node produced) before it touches storage; a write whose deadline has passed before it
/// runs is not applied (and counted); a get of a missing or deleted key answers OK with no values
/// and a context.
struct KVService {
    let storage: any StorageEngine
    let limits: KVLimits
    let metrics: NodeMetrics
    /// The partition every key lives in until the ring arrives.
    static let partition: UInt32 = 0

    func register(into router: inout RPCRouter, wrap: (@escaping RegisteredMethod.Handler) -> RegisteredMethod.Handler) {
        let service = self
        router.register("/gyre.v1.KV/Get", handler: wrap { call, bytes in service.get(call, bytes) })
        router.register("/gyre.v1.KV/Put", handler: wrap { call, bytes in service.put(call, bytes) })
        router.register("/gyre.v1.KV/Delete", handler: wrap { call, bytes in service.delete(call, bytes) })
    }

    // MARK: Get

    func get(_ call: ServerCall, _ bytes: [UInt8]) {
        guard let request: GetRequest = decode(call, bytes), valid(call, key: request.key) else { return }
        if request.r > 1 {
            return call.fail(RPCError(.invalidArgument, "r=\(request.r) exceeds the replication factor 1 of this node"))
        }
        do {
            let record = try storage.get(StorageKey(partition: Self.partition, key: request.key)).flatMap(StoredRecord.decode)
            let response: GetResponse
            if let record, !record.tombstone {
                response = GetResponse(values: [record.value], context: record.context, replicas: 1)
            } else {
                response = GetResponse(values: [], context: record?.context ?? StoredRecord.context(version: 0), replicas: 1)
            }
            call.respond(response.encodeFramed())
        } catch {
            call.fail(RPCError(.internal, "storage read failed: \(error)"))
        }
    }

    // MARK: Put

    func put(_ call: ServerCall, _ bytes: [UInt8]) {
        guard let request: PutRequest = decode(call, bytes), valid(call, key: request.key),
              valid(call, value: request.value), valid(call, context: request.context), valid(call, w: request.w),
              notExpired(call) else { return }
        write(call, key: request.key, tombstone: false, value: request.value) { record in
            PutResponse(context: record.context, replicas: 1).encodeFramed()
        }
    }

    // MARK: Delete

    func delete(_ call: ServerCall, _ bytes: [UInt8]) {
        guard let request: DeleteRequest = decode(call, bytes), valid(call, key: request.key),
              valid(call, context: request.context), valid(call, w: request.w), notExpired(call) else { return }
        write(call, key: request.key, tombstone: true, value: []) { _ in
            DeleteResponse(replicas: 1).encodeFramed()
        }
    }

    // MARK: steps

    private func write(_ call: ServerCall, key: Key, tombstone: Bool, value: [UInt8],
                       respond: (StoredRecord) -> [UInt8]) {
        do {
            var written: StoredRecord?
            try storage.update(StorageKey(partition: Self.partition, key: key)) { old throws(StorageError) in
                let previous = old.flatMap(StoredRecord.decode)?.version ?? 0
                let record = StoredRecord(version: previous + 1, tombstone: tombstone, value: value)
                written = record
                return record.encode()
            }
            if let written { call.respond(respond(written)) }
        } catch {
            call.fail(RPCError(.internal, "storage write failed: \(error)"))
        }
    }

    private func decode<Message: WireMessage>(_ call: ServerCall, _ bytes: [UInt8]) -> Message? {
        do {
            return try Message.decode(bytes)
        } catch {
            call.fail(RPCError(.invalidArgument, error.description))
            return nil
        }
    }

    private func valid(_ call: ServerCall, key: Key) -> Bool {
        guard let violation = limits.validate(key: key) else { return true }
        call.fail(RPCError(.invalidArgument, violation.description))
        return false
    }

    private func valid(_ call: ServerCall, value: [UInt8]) -> Bool {
        guard let violation = limits.validate(value: value) else { return true }
        call.fail(RPCError(.invalidArgument, violation.description))
        return false
    }

    private func valid(_ call: ServerCall, context: CausalContext) -> Bool {
        do {
            _ = try StoredRecord.version(of: context)
            return true
        } catch {
            call.fail(RPCError(.invalidArgument, "context was not produced by this cluster: pass back the context of a Get, or none"))
            return false
        }
    }

    private func valid(_ call: ServerCall, w: UInt32) -> Bool {
        guard w > 1 else { return true }
        call.fail(RPCError(.invalidArgument, "w=\(w) exceeds the replication factor 1 of this node"))
        return false
    }

    /// A write that starts after its deadline is not applied: the client has been (or is
    /// about to be) told DEADLINE_EXCEEDED.
    private func notExpired(_ call: ServerCall) -> Bool {
        guard call.isExpired else { return true }
        metrics.expiredWritesSkipped.increment()
        call.fail(RPCError(.deadlineExceeded, "deadline exceeded before the write started; not applied"))
        return false
    }
}
