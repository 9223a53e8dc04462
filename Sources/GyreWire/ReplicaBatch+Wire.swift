internal import CGyreProto
public import GyreModel

// `gyre.v1.ReplicaBatchRequest` / `ReplicaBatchResponse` ⇄ protobuf-c. Items are copied into
// temporary C storage for packing (a batch holds many small keys and version sets; the copies
// cost far less than the HTTP/2 streams the batch saves).

// MARK: ReplicaBatchRequest

extension ReplicaBatchRequest: WireMessage {
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> ReplicaBatchRequest {
        try unpack(bytes, as: "gyre.v1.ReplicaBatchRequest",
                   with: gyre__v1__replica_batch_request__unpack,
                   free: gyre__v1__replica_batch_request__free_unpacked) { message in
            var batch = ReplicaBatchRequest()
            batch.gets.reserveCapacity(message.n_gets)
            for item in UnsafeBufferPointer(start: message.gets, count: message.n_gets) {
                guard let item = item?.pointee else { continue }
                batch.gets.append(ReplicaGetRequest(key: Key([UInt8](item.key)), partition: item.partition,
                                                    fromHints: item.from_hints != 0))
            }
            batch.puts.reserveCapacity(message.n_puts)
            for item in UnsafeBufferPointer(start: message.puts, count: message.n_puts) {
                guard let item = item?.pointee else { continue }
                batch.puts.append(ReplicaPutRequest(key: Key([UInt8](item.key)), partition: item.partition,
                                                    versionSet: [UInt8](item.version_set), repair: item.repair != 0))
            }
            return batch
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    private func encoded(framed: Bool) -> [UInt8] {
        var storage = TemporaryCStorage()
        defer { storage.release() }
        let getItems = CArray<Gyre__V1__ReplicaGetRequest>(count: gets.count)
        let putItems = CArray<Gyre__V1__ReplicaPutRequest>(count: puts.count)
        defer {
            getItems.release()
            putItems.release()
        }
        for (index, get) in gets.enumerated() {
            var item = Gyre__V1__ReplicaGetRequest()
            gyre__v1__replica_get_request__init(&item)
            item.key = storage.binary(get.key.bytes)
            item.partition = get.partition
            item.from_hints = get.fromHints ? 1 : 0
            getItems.set(index, item)
        }
        for (index, put) in puts.enumerated() {
            var item = Gyre__V1__ReplicaPutRequest()
            gyre__v1__replica_put_request__init(&item)
            item.key = storage.binary(put.key.bytes)
            item.partition = put.partition
            item.version_set = storage.binary(put.versionSet)
            item.repair = put.repair ? 1 : 0
            putItems.set(index, item)
        }
        var message = Gyre__V1__ReplicaBatchRequest()
        gyre__v1__replica_batch_request__init(&message)
        message.n_gets = gets.count
        message.gets = getItems.pointers
        message.n_puts = puts.count
        message.puts = putItems.pointers
        return packedEncoding(framed: framed, packedSize: gyre__v1__replica_batch_request__get_packed_size(&message)) {
            gyre__v1__replica_batch_request__pack(&message, $0)
        }
    }
}

// MARK: ReplicaBatchResponse

extension ReplicaBatchResponse: WireMessage {
    /// Decodes the message; a result's `found` false gives a nil ``ReplicaItemResult/versionSet``.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> ReplicaBatchResponse {
        try unpack(bytes, as: "gyre.v1.ReplicaBatchResponse",
                   with: gyre__v1__replica_batch_response__unpack,
                   free: gyre__v1__replica_batch_response__free_unpacked) { message in
            ReplicaBatchResponse(gets: results(message.gets, message.n_gets), puts: results(message.puts, message.n_puts))
        }
    }

    private static func results(_ items: UnsafeMutablePointer<UnsafeMutablePointer<Gyre__V1__ReplicaItemResult>?>?,
                                _ count: Int) -> [ReplicaItemResult] {
        var results: [ReplicaItemResult] = []
        results.reserveCapacity(count)
        for item in UnsafeBufferPointer(start: items, count: count) {
            guard let item = item?.pointee else { continue }
            results.append(ReplicaItemResult(code: item.code, message: String(protobufC: item.message),
                                             versionSet: item.found != 0 ? [UInt8](item.version_set) : nil))
        }
        return results
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    private func encoded(framed: Bool) -> [UInt8] {
        var storage = TemporaryCStorage()
        defer { storage.release() }
        let getItems = Self.cResults(gets, &storage)
        let putItems = Self.cResults(puts, &storage)
        defer {
            getItems.release()
            putItems.release()
        }
        var message = Gyre__V1__ReplicaBatchResponse()
        gyre__v1__replica_batch_response__init(&message)
        message.n_gets = gets.count
        message.gets = getItems.pointers
        message.n_puts = puts.count
        message.puts = putItems.pointers
        return packedEncoding(framed: framed, packedSize: gyre__v1__replica_batch_response__get_packed_size(&message)) {
            gyre__v1__replica_batch_response__pack(&message, $0)
        }
    }

    private static func cResults(_ results: [ReplicaItemResult],
                                 _ storage: inout TemporaryCStorage) -> CArray<Gyre__V1__ReplicaItemResult> {
        let items = CArray<Gyre__V1__ReplicaItemResult>(count: results.count)
        for (index, result) in results.enumerated() {
            var item = Gyre__V1__ReplicaItemResult()
            gyre__v1__replica_item_result__init(&item)
            item.code = result.code
            if let text = storage.cString(result.message) { item.message = text }
            item.found = result.versionSet != nil ? 1 : 0
            item.version_set = storage.binary(result.versionSet ?? [])
            items.set(index, item)
        }
        return items
    }
}
