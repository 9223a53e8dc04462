internal import CGyreProto
public import GyreModel

// `gyre.v1` Replica service messages (proto/gyre/v1/replica.proto) ⇄ protobuf-c: the
// node-to-node calls. Same scheme as the KV messages: encoding lends the Swift storage to the C
// structs inside nested scopes and packs in one allocation; decoding copies out of protobuf-c's
// unpacked message. The KV messages embedded in the Coordinate oneofs are filled and read by the
// KV conversions' own `withCMessage` / `init(cMessage:)`.

// MARK: ReplicaGetRequest

extension ReplicaGetRequest: WireMessage {
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> ReplicaGetRequest {
        try unpack(bytes, as: "gyre.v1.ReplicaGetRequest",
                   with: gyre__v1__replica_get_request__unpack,
                   free: gyre__v1__replica_get_request__free_unpacked) { message in
            ReplicaGetRequest(key: Key([UInt8](message.key)), partition: message.partition, fromHints: message.from_hints != 0)
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    private func encoded(framed: Bool) -> [UInt8] {
        key.bytes.withBinaryData { key in
            var message = Gyre__V1__ReplicaGetRequest()
            gyre__v1__replica_get_request__init(&message)
            message.key = key
            message.partition = partition
            message.from_hints = fromHints ? 1 : 0
            return packedEncoding(framed: framed,
                                  packedSize: gyre__v1__replica_get_request__get_packed_size(&message)) {
                gyre__v1__replica_get_request__pack(&message, $0)
            }
        }
    }
}

// MARK: ReplicaGetResponse

extension ReplicaGetResponse: WireMessage {
    /// Decodes the message: `found` false gives a nil ``versionSet`` (whatever `version_set`
    /// holds), `found` true gives the bytes, possibly none (`[]`, not nil).
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> ReplicaGetResponse {
        try unpack(bytes, as: "gyre.v1.ReplicaGetResponse",
                   with: gyre__v1__replica_get_response__unpack,
                   free: gyre__v1__replica_get_response__free_unpacked) { message in
            ReplicaGetResponse(versionSet: message.found != 0 ? [UInt8](message.version_set) : nil)
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    private func encoded(framed: Bool) -> [UInt8] {
        (versionSet ?? []).withBinaryData { versionSet in
            var message = Gyre__V1__ReplicaGetResponse()
            gyre__v1__replica_get_response__init(&message)
            message.found = self.versionSet != nil ? 1 : 0
            message.version_set = versionSet
            return packedEncoding(framed: framed,
                                  packedSize: gyre__v1__replica_get_response__get_packed_size(&message)) {
                gyre__v1__replica_get_response__pack(&message, $0)
            }
        }
    }
}

// MARK: ReplicaPutRequest

extension ReplicaPutRequest: WireMessage {
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> ReplicaPutRequest {
        try unpack(bytes, as: "gyre.v1.ReplicaPutRequest",
                   with: gyre__v1__replica_put_request__unpack,
                   free: gyre__v1__replica_put_request__free_unpacked) { message in
            ReplicaPutRequest(key: Key([UInt8](message.key)), partition: message.partition,
                              versionSet: [UInt8](message.version_set), repair: message.repair != 0)
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    private func encoded(framed: Bool) -> [UInt8] {
        key.bytes.withBinaryData { key in
            versionSet.withBinaryData { versionSet in
                var message = Gyre__V1__ReplicaPutRequest()
                gyre__v1__replica_put_request__init(&message)
                message.key = key
                message.partition = partition
                message.version_set = versionSet
                message.repair = repair ? 1 : 0
                return packedEncoding(framed: framed,
                                      packedSize: gyre__v1__replica_put_request__get_packed_size(&message)) {
                    gyre__v1__replica_put_request__pack(&message, $0)
                }
            }
        }
    }
}

// MARK: ReplicaPutResponse

extension ReplicaPutResponse: WireMessage {
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> ReplicaPutResponse {
        try unpack(bytes, as: "gyre.v1.ReplicaPutResponse",
                   with: gyre__v1__replica_put_response__unpack,
                   free: gyre__v1__replica_put_response__free_unpacked) { _ in
            ReplicaPutResponse()
        }
    }

    /// Always empty: the message has no fields.
    public func encode() -> [UInt8] { [] }

    public func encodeFramed() -> [UInt8] { packedEncoding(framed: true, packedSize: 0) { _ in 0 } }
}

// MARK: HintPutRequest

extension HintPutRequest: WireMessage {
    /// Decodes the message; an `owner` that is not 16 bytes throws ``WireError``.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> HintPutRequest {
        try unpack(bytes, as: "gyre.v1.HintPutRequest",
                   with: gyre__v1__hint_put_request__unpack,
                   free: gyre__v1__hint_put_request__free_unpacked) { (message) throws(WireError) in
            guard let owner = NodeID(bytes: [UInt8](message.owner)) else {
                throw .malformed("gyre.v1.HintPutRequest", byteCount: bytes.count, "owner is \(message.owner.len) bytes, not 16")
            }
            return HintPutRequest(key: Key([UInt8](message.key)), partition: message.partition,
                                  versionSet: [UInt8](message.version_set), owner: owner)
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    private func encoded(framed: Bool) -> [UInt8] {
        key.bytes.withBinaryData { key in
            versionSet.withBinaryData { versionSet in
                owner.bytes.withBinaryData { owner in
                    var message = Gyre__V1__HintPutRequest()
                    gyre__v1__hint_put_request__init(&message)
                    message.key = key
                    message.partition = partition
                    message.version_set = versionSet
                    message.owner = owner
                    return packedEncoding(framed: framed,
                                          packedSize: gyre__v1__hint_put_request__get_packed_size(&message)) {
                        gyre__v1__hint_put_request__pack(&message, $0)
                    }
                }
            }
        }
    }
}

// MARK: HintPutResponse

extension HintPutResponse: WireMessage {
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> HintPutResponse {
        try unpack(bytes, as: "gyre.v1.HintPutResponse",
                   with: gyre__v1__hint_put_response__unpack,
                   free: gyre__v1__hint_put_response__free_unpacked) { _ in
            HintPutResponse()
        }
    }

    /// Always empty: the message has no fields.
    public func encode() -> [UInt8] { [] }

    public func encodeFramed() -> [UInt8] { packedEncoding(framed: true, packedSize: 0) { _ in 0 } }
}

// MARK: CoordinateRequest

extension CoordinateRequest: WireMessage {
    /// Decodes the message; one whose `request` oneof is unset throws ``WireError``
    /// (`… it has no request`).
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> CoordinateRequest {
        try unpack(bytes, as: "gyre.v1.CoordinateRequest",
                   with: gyre__v1__coordinate_request__unpack,
                   free: gyre__v1__coordinate_request__free_unpacked) { (message) throws(WireError) in
            // protobuf-c allocates the member it parses, so the pointer is never NULL for a set
            // case; a NULL one is treated as unset rather than trusted.
            let operation: Operation?
            switch message.request_case {
            case GYRE__V1__COORDINATE_REQUEST__REQUEST_GET:
                operation = message.get.map { .get(GetRequest(cMessage: $0.pointee)) }
            case GYRE__V1__COORDINATE_REQUEST__REQUEST_PUT:
                operation = message.put.map { .put(PutRequest(cMessage: $0.pointee)) }
            case GYRE__V1__COORDINATE_REQUEST__REQUEST_DELETE:
                operation = message.delete_.map { .delete(DeleteRequest(cMessage: $0.pointee)) }
            default:
                operation = nil
            }
            guard let operation else {
                throw .malformed("gyre.v1.CoordinateRequest", byteCount: bytes.count, "it has no request")
            }
            return CoordinateRequest(operation: operation, hops: message.hops)
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    private func encoded(framed: Bool) -> [UInt8] {
        withCMessage { message in
            packedEncoding(framed: framed, packedSize: gyre__v1__coordinate_request__get_packed_size(message)) {
                gyre__v1__coordinate_request__pack(message, $0)
            }
        }
    }

    /// Runs `body` with the C form of the request: the oneof points at the embedded request's
    /// C form, all of it valid only inside `body`.
    private func withCMessage<Result>(_ body: (UnsafePointer<Gyre__V1__CoordinateRequest>) -> Result) -> Result {
        var message = Gyre__V1__CoordinateRequest()
        gyre__v1__coordinate_request__init(&message)
        message.hops = hops
        switch operation {
        case let .get(request):
            return request.withCMessage { get in
                message.request_case = GYRE__V1__COORDINATE_REQUEST__REQUEST_GET
                message.get = get
                return body(&message)
            }
        case let .put(request):
            return request.withCMessage { put in
                message.request_case = GYRE__V1__COORDINATE_REQUEST__REQUEST_PUT
                message.put = put
                return body(&message)
            }
        case let .delete(request):
            return request.withCMessage { delete in
                message.request_case = GYRE__V1__COORDINATE_REQUEST__REQUEST_DELETE
                message.delete_ = delete
                return body(&message)
            }
        }
    }
}

// MARK: CoordinateResponse

extension CoordinateResponse: WireMessage {
    /// Decodes the message; one whose `response` oneof is unset throws ``WireError``
    /// (`… it has no response`).
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> CoordinateResponse {
        try unpack(bytes, as: "gyre.v1.CoordinateResponse",
                   with: gyre__v1__coordinate_response__unpack,
                   free: gyre__v1__coordinate_response__free_unpacked) { (message) throws(WireError) in
            // As for CoordinateRequest: a NULL member is treated as unset.
            let result: Result?
            switch message.response_case {
            case GYRE__V1__COORDINATE_RESPONSE__RESPONSE_GET:
                result = message.get.map { .get(GetResponse(cMessage: $0.pointee)) }
            case GYRE__V1__COORDINATE_RESPONSE__RESPONSE_PUT:
                result = message.put.map { .put(PutResponse(cMessage: $0.pointee)) }
            case GYRE__V1__COORDINATE_RESPONSE__RESPONSE_DELETE:
                result = message.delete_.map { .delete(DeleteResponse(cMessage: $0.pointee)) }
            default:
                result = nil
            }
            guard let result else {
                throw .malformed("gyre.v1.CoordinateResponse", byteCount: bytes.count, "it has no response")
            }
            return CoordinateResponse(result: result)
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    /// The key of field 1 (`get`), wire type 2 (length-delimited).
    private static let getFieldKey: UInt64 = 1 << 3 | 2

    private func encoded(framed: Bool) -> [UInt8] {
        func pack(_ message: UnsafePointer<Gyre__V1__CoordinateResponse>) -> [UInt8] {
            packedEncoding(framed: framed, packedSize: gyre__v1__coordinate_response__get_packed_size(message)) {
                gyre__v1__coordinate_response__pack(message, $0)
            }
        }
        var message = Gyre__V1__CoordinateResponse()
        gyre__v1__coordinate_response__init(&message)
        switch result {
        case let .get(response):
            // A GetResponse is packed in chunks so that lending its siblings to protobuf-c takes
            // a bounded stack depth, but an embedded message is one length-delimited field, which
            // protobuf-c can only pack from one C message. `get` is the only field set, so the
            // encoding is its key, the response's total length, then the response's chunks.
            return response.withCMessageChunks { forEachChunk in
                var length = 0
                forEachChunk { length += gyre__v1__get_response__get_packed_size($0) }
                let prefixSize = varintSize(Self.getFieldKey) + varintSize(UInt64(length))
                return packedEncoding(framed: framed, packedSize: prefixSize + length) { out in
                    var written = writeVarint(Self.getFieldKey, to: out)
                    written += writeVarint(UInt64(length), to: out + written)
                    forEachChunk { written += gyre__v1__get_response__pack($0, out + written) }
                    return written
                }
            }
        case let .put(response):
            return response.withCMessage { put in
                message.response_case = GYRE__V1__COORDINATE_RESPONSE__RESPONSE_PUT
                message.put = put
                return pack(&message)
            }
        case let .delete(response):
            return response.withCMessage { delete in
                message.response_case = GYRE__V1__COORDINATE_RESPONSE__RESPONSE_DELETE
                message.delete_ = delete
                return pack(&message)
            }
        }
    }
}

// MARK: IdentifyRequest

extension IdentifyRequest: WireMessage {
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> IdentifyRequest {
        try unpack(bytes, as: "gyre.v1.IdentifyRequest",
                   with: gyre__v1__identify_request__unpack,
                   free: gyre__v1__identify_request__free_unpacked) { _ in
            IdentifyRequest()
        }
    }

    /// Always empty: the message has no fields.
    public func encode() -> [UInt8] { [] }

    public func encodeFramed() -> [UInt8] { packedEncoding(framed: true, packedSize: 0) { _ in 0 } }
}

// MARK: IdentifyResponse

extension IdentifyResponse: WireMessage {
    /// Decodes the message; a `node_id` or `cluster_id` that is not 16 bytes, or a
    /// `cluster_secret` that is not 32, throws ``WireError``, and a `weight` of 0 becomes 1
    /// (``GyreModel/Member``'s minimum).
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> IdentifyResponse {
        try unpack(bytes, as: "gyre.v1.IdentifyResponse",
                   with: gyre__v1__identify_response__unpack,
                   free: gyre__v1__identify_response__free_unpacked) { (message) throws(WireError) in
            guard let id = NodeID(bytes: [UInt8](message.node_id)) else {
                throw .malformed("gyre.v1.IdentifyResponse", byteCount: bytes.count,
                                 "node_id is \(message.node_id.len) bytes, not 16")
            }
            guard let clusterID = ClusterID(bytes: [UInt8](message.cluster_id)) else {
                throw .malformed("gyre.v1.IdentifyResponse", byteCount: bytes.count,
                                 "cluster_id is \(message.cluster_id.len) bytes, not 16")
            }
            guard let secret = ClusterSecret(bytes: [UInt8](message.cluster_secret)) else {
                throw .malformed("gyre.v1.IdentifyResponse", byteCount: bytes.count,
                                 "cluster_secret is \(message.cluster_secret.len) bytes, not \(ClusterSecret.byteCount)")
            }
            let member = Member(id: id, weight: message.weight,
                                clientAddress: String(protobufC: message.client_address),
                                peerAddress: String(protobufC: message.peer_address),
                                name: String(protobufC: message.node_name))
            return IdentifyResponse(member: member, clusterID: clusterID, partitionCount: message.partition_count,
                                    clusterSecret: secret, ringEpoch: message.ring_epoch,
                                    callerIsMember: message.caller_is_member != 0)
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    private func encoded(framed: Bool) -> [UInt8] {
        member.id.bytes.withBinaryData { nodeID in
            clusterID.bytes.withBinaryData { clusterID in
                clusterSecret.bytes.withBinaryData { secret in
                    member.clientAddress.withOptionalCString { clientAddress in
                        member.peerAddress.withOptionalCString { peerAddress in
                          member.name.withOptionalCString { name in
                            var message = Gyre__V1__IdentifyResponse()
                            gyre__v1__identify_response__init(&message)
                            message.node_id = nodeID
                            message.weight = member.weight
                            message.client_address = clientAddress
                            message.peer_address = peerAddress
                            message.cluster_id = clusterID
                            message.partition_count = partitionCount
                            message.cluster_secret = secret
                            message.node_name = name
                            message.ring_epoch = ringEpoch
                            message.caller_is_member = callerIsMember ? 1 : 0
                            return packedEncoding(framed: framed,
                                                  packedSize: gyre__v1__identify_response__get_packed_size(&message)) {
                                gyre__v1__identify_response__pack(&message, $0)
                            }
                        }
                      }
                    }
                }
            }
        }
    }
}
