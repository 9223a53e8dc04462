internal import CGyreProto
public import GyreModel

// `gyre.v1` KV service messages (proto/gyre/v1/kv.proto) ⇄ protobuf-c.
//
// Encoding points the C structs' bytes fields at the Swift arrays' storage, inside nested
// `withBinaryData` scopes, and packs straight into the result: the only copies are protobuf-c
// writing the output. Decoding copies each field out of protobuf-c's unpacked message, which
// is then freed.
//
// Each message's C form is built by one internal `withCMessage` (`withCMessageChunks` for
// `GetResponse`) and read by one internal `init(cMessage:)`, so the messages that embed these
// ones (`gyre.v1.CoordinateRequest` / `CoordinateResponse`) fill and read them the same way.

// MARK: GetRequest

extension GetRequest: WireMessage {
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> GetRequest {
        try unpack(bytes, as: "gyre.v1.GetRequest",
                   with: gyre__v1__get_request__unpack, free: gyre__v1__get_request__free_unpacked) { message in
            GetRequest(cMessage: message)
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    private func encoded(framed: Bool) -> [UInt8] {
        withCMessage { message in
            packedEncoding(framed: framed, packedSize: gyre__v1__get_request__get_packed_size(message)) {
                gyre__v1__get_request__pack(message, $0)
            }
        }
    }

    /// Runs `body` with the C form of the request, whose fields point at this value's storage
    /// and are valid only inside `body`.
    func withCMessage<Result>(_ body: (UnsafeMutablePointer<Gyre__V1__GetRequest>) -> Result) -> Result {
        key.bytes.withBinaryData { key in
            var message = Gyre__V1__GetRequest()
            gyre__v1__get_request__init(&message)
            message.key = key
            message.r = r
            return body(&message)
        }
    }

    /// A copy of an unpacked C message.
    init(cMessage message: Gyre__V1__GetRequest) {
        self.init(key: Key([UInt8](message.key)), r: message.r)
    }
}

// MARK: GetResponse

extension GetResponse: WireMessage {
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> GetResponse {
        try unpack(bytes, as: "gyre.v1.GetResponse",
                   with: gyre__v1__get_response__unpack, free: gyre__v1__get_response__free_unpacked) { message in
            GetResponse(cMessage: message)
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    /// Siblings whose storage is lent to protobuf-c at once (the nesting depth of the scopes).
    static let siblingsPerChunk = 16

    private func encoded(framed: Bool) -> [UInt8] {
        withCMessageChunks { forEachChunk in
            var packedSize = 0
            forEachChunk { packedSize += gyre__v1__get_response__get_packed_size($0) }
            return packedEncoding(framed: framed, packedSize: packedSize) { out in
                var written = 0
                forEachChunk { written += gyre__v1__get_response__pack($0, out + written) }
                return written
            }
        }
    }

    /// Runs `body` with a function that presents the response to protobuf-c as a series of C
    /// messages, one per chunk of at most ``siblingsPerChunk`` values: the packed chunks,
    /// concatenated in the order they are visited, are the encoding of the whole response.
    ///
    /// Each C message's fields point at this value's storage and are valid only inside the
    /// visit. `body` may call the function more than once (to size, then to pack).
    func withCMessageChunks<Result>(
        _ body: (_ forEachChunk: ((UnsafePointer<Gyre__V1__GetResponse>) -> Void) -> Void) -> Result
    ) -> Result {
        context.bytes.withBinaryData { context in
            withUnsafeTemporaryAllocation(of: ProtobufCBinaryData.self,
                                          capacity: min(values.count, Self.siblingsPerChunk)) { scratch in
                // One C message per chunk of siblings; the last also carries the fields after
                // `values` (context = 2, replicas = 3, ring_epoch = 4, hinted = 5), so the chunks concatenate to the
                // encoding of the whole message.
                func forEachChunk(_ visit: (UnsafePointer<Gyre__V1__GetResponse>) -> Void) {
                    var start = 0
                    repeat {
                        let end = min(start + Self.siblingsPerChunk, values.count)
                        values.withBinaryData(start..<end, in: scratch) {
                            var message = Gyre__V1__GetResponse()
                            gyre__v1__get_response__init(&message)
                            message.n_values = end - start
                            message.values = scratch.baseAddress
                            if end == values.count {
                                message.context = context
                                message.replicas = replicas
                                message.ring_epoch = ringEpoch
                                message.hinted = hinted
                            }
                            visit(&message)
                        }
                        start = end
                    } while start < values.count
                }
                return body(forEachChunk)
            }
        }
    }

    /// A copy of an unpacked C message.
    init(cMessage message: Gyre__V1__GetResponse) {
        let values = UnsafeBufferPointer(start: message.values, count: message.n_values).map { [UInt8]($0) }
        self.init(values: values, context: CausalContext([UInt8](message.context)), replicas: message.replicas,
                  ringEpoch: message.ring_epoch, hinted: message.hinted)
    }
}

// MARK: PutRequest

extension PutRequest: WireMessage {
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> PutRequest {
        try unpack(bytes, as: "gyre.v1.PutRequest",
                   with: gyre__v1__put_request__unpack, free: gyre__v1__put_request__free_unpacked) { message in
            PutRequest(cMessage: message)
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    private func encoded(framed: Bool) -> [UInt8] {
        withCMessage { message in
            packedEncoding(framed: framed, packedSize: gyre__v1__put_request__get_packed_size(message)) {
                gyre__v1__put_request__pack(message, $0)
            }
        }
    }

    /// Runs `body` with the C form of the request, whose fields point at this value's storage
    /// and are valid only inside `body`.
    func withCMessage<Result>(_ body: (UnsafeMutablePointer<Gyre__V1__PutRequest>) -> Result) -> Result {
        key.bytes.withBinaryData { key in
            value.withBinaryData { value in
                context.bytes.withBinaryData { context in
                    var message = Gyre__V1__PutRequest()
                    gyre__v1__put_request__init(&message)
                    message.key = key
                    message.value = value
                    message.context = context
                    message.w = w
                    message.strict_quorum = strictQuorum ? 1 : 0
                    return body(&message)
                }
            }
        }
    }

    /// A copy of an unpacked C message.
    init(cMessage message: Gyre__V1__PutRequest) {
        self.init(key: Key([UInt8](message.key)), value: [UInt8](message.value),
                  context: CausalContext([UInt8](message.context)), w: message.w,
                  strictQuorum: message.strict_quorum != 0)
    }
}

// MARK: PutResponse

extension PutResponse: WireMessage {
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> PutResponse {
        try unpack(bytes, as: "gyre.v1.PutResponse",
                   with: gyre__v1__put_response__unpack, free: gyre__v1__put_response__free_unpacked) { message in
            PutResponse(cMessage: message)
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    private func encoded(framed: Bool) -> [UInt8] {
        withCMessage { message in
            packedEncoding(framed: framed, packedSize: gyre__v1__put_response__get_packed_size(message)) {
                gyre__v1__put_response__pack(message, $0)
            }
        }
    }

    /// Runs `body` with the C form of the response, whose fields point at this value's storage
    /// and are valid only inside `body`.
    /// (`values` is bounded by the key's sibling cap, so one nested scope per value is fine.)
    func withCMessage<Result>(_ body: (UnsafeMutablePointer<Gyre__V1__PutResponse>) -> Result) -> Result {
        context.bytes.withBinaryData { context in
            withUnsafeTemporaryAllocation(of: ProtobufCBinaryData.self, capacity: max(1, values.count)) { scratch in
                var result: Result?
                values.withBinaryData(0..<values.count, in: scratch) {
                    var message = Gyre__V1__PutResponse()
                    gyre__v1__put_response__init(&message)
                    message.context = context
                    message.replicas = replicas
                    message.n_values = values.count
                    message.values = values.isEmpty ? nil : scratch.baseAddress
                    message.ring_epoch = ringEpoch
                    message.hinted = hinted
                    result = body(&message)
                }
                return result!
            }
        }
    }

    /// A copy of an unpacked C message.
    init(cMessage message: Gyre__V1__PutResponse) {
        let values = UnsafeBufferPointer(start: message.values, count: message.n_values).map { [UInt8]($0) }
        self.init(context: CausalContext([UInt8](message.context)), replicas: message.replicas, values: values,
                  ringEpoch: message.ring_epoch, hinted: message.hinted)
    }
}

// MARK: DeleteRequest

extension DeleteRequest: WireMessage {
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> DeleteRequest {
        try unpack(bytes, as: "gyre.v1.DeleteRequest",
                   with: gyre__v1__delete_request__unpack, free: gyre__v1__delete_request__free_unpacked) { message in
            DeleteRequest(cMessage: message)
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    private func encoded(framed: Bool) -> [UInt8] {
        withCMessage { message in
            packedEncoding(framed: framed, packedSize: gyre__v1__delete_request__get_packed_size(message)) {
                gyre__v1__delete_request__pack(message, $0)
            }
        }
    }

    /// Runs `body` with the C form of the request, whose fields point at this value's storage
    /// and are valid only inside `body`.
    func withCMessage<Result>(_ body: (UnsafeMutablePointer<Gyre__V1__DeleteRequest>) -> Result) -> Result {
        key.bytes.withBinaryData { key in
            context.bytes.withBinaryData { context in
                var message = Gyre__V1__DeleteRequest()
                gyre__v1__delete_request__init(&message)
                message.key = key
                message.context = context
                message.w = w
                message.strict_quorum = strictQuorum ? 1 : 0
                return body(&message)
            }
        }
    }

    /// A copy of an unpacked C message.
    init(cMessage message: Gyre__V1__DeleteRequest) {
        self.init(key: Key([UInt8](message.key)), context: CausalContext([UInt8](message.context)), w: message.w,
                  strictQuorum: message.strict_quorum != 0)
    }
}

// MARK: DeleteResponse

extension DeleteResponse: WireMessage {
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> DeleteResponse {
        try unpack(bytes, as: "gyre.v1.DeleteResponse",
                   with: gyre__v1__delete_response__unpack, free: gyre__v1__delete_response__free_unpacked) { message in
            DeleteResponse(cMessage: message)
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    private func encoded(framed: Bool) -> [UInt8] {
        withCMessage { message in
            packedEncoding(framed: framed, packedSize: gyre__v1__delete_response__get_packed_size(message)) {
                gyre__v1__delete_response__pack(message, $0)
            }
        }
    }

    /// Runs `body` with the C form of the response, valid only inside `body`.
    func withCMessage<Result>(_ body: (UnsafeMutablePointer<Gyre__V1__DeleteResponse>) -> Result) -> Result {
        var message = Gyre__V1__DeleteResponse()
        gyre__v1__delete_response__init(&message)
        message.replicas = replicas
        message.ring_epoch = ringEpoch
        message.hinted = hinted
        return body(&message)
    }

    /// A copy of an unpacked C message.
    init(cMessage message: Gyre__V1__DeleteResponse) {
        self.init(replicas: message.replicas, ringEpoch: message.ring_epoch, hinted: message.hinted)
    }
}
