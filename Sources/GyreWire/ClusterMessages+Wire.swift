internal import CGyreProto
public import GyreModel

// `gyre.v1` Cluster service messages (proto/gyre/v1/cluster.proto) ⇄ protobuf-c.

// MARK: StatsRequest

extension StatsRequest: WireMessage {
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> StatsRequest {
        try unpack(bytes, as: "gyre.v1.StatsRequest",
                   with: gyre__v1__stats_request__unpack, free: gyre__v1__stats_request__free_unpacked) { _ in
            StatsRequest()
        }
    }

    /// Always empty: the message has no fields.
    public func encode() -> [UInt8] { [] }

    public func encodeFramed() -> [UInt8] { packedEncoding(framed: true, packedSize: 0) { _ in 0 } }
}

// MARK: NodeStats (gyre.v1.StatsResponse)

extension NodeStats: WireMessage {
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> NodeStats {
        try unpack(bytes, as: "gyre.v1.StatsResponse",
                   with: gyre__v1__stats_response__unpack, free: gyre__v1__stats_response__free_unpacked) { message in
            let counters = UnsafeBufferPointer(start: message.counters, count: message.n_counters).map { counter in
                // protobuf-c fills every slot of a repeated message field it returns.
                let counter = counter!.pointee
                return Counter(name: String(protobufC: counter.name), value: counter.value)
            }
            return NodeStats(nodeID: String(protobufC: message.node_id), counters: counters)
        }
    }

    public func encode() -> [UInt8] { encoded(framed: false) }

    public func encodeFramed() -> [UInt8] { encoded(framed: true) }

    /// Counters whose names are lent to protobuf-c at once (the nesting depth of the scopes).
    static let countersPerChunk = 32

    private func encoded(framed: Bool) -> [UInt8] {
        let chunkCapacity = min(counters.count, Self.countersPerChunk)
        return nodeID.withOptionalCString { nodeID in
            withUnsafeTemporaryAllocation(of: Gyre__V1__Counter.self, capacity: chunkCapacity) { scratch in
                withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Gyre__V1__Counter>?.self,
                                              capacity: chunkCapacity) { pointers in
                    for index in 0..<chunkCapacity {
                        pointers.initializeElement(at: index, to: scratch.baseAddress! + index)
                    }
                    // One C message per chunk of counters; the first also carries node_id
                    // (field 1, before counters = 2), so the chunks concatenate to the encoding
                    // of the whole message.
                    func forEachCMessage(_ body: (UnsafePointer<Gyre__V1__StatsResponse>) -> Void) {
                        var start = 0
                        repeat {
                            let end = min(start + Self.countersPerChunk, counters.count)
                            counters.withCCounters(start..<end, in: scratch) {
                                var message = Gyre__V1__StatsResponse()
                                gyre__v1__stats_response__init(&message)
                                if start == 0 { message.node_id = nodeID }
                                message.n_counters = end - start
                                message.counters = end > start ? pointers.baseAddress : nil
                                body(&message)
                            }
                            start = end
                        } while start < counters.count
                    }
                    var packedSize = 0
                    forEachCMessage { packedSize += gyre__v1__stats_response__get_packed_size($0) }
                    return packedEncoding(framed: framed, packedSize: packedSize) { out in
                        var written = 0
                        forEachCMessage { written += gyre__v1__stats_response__pack($0, out + written) }
                        return written
                    }
                }
            }
        }
    }
}

extension Array where Element == NodeStats.Counter {
    /// Runs `body` with `scratch[0..<range.count]` holding a `Gyre__V1__Counter` for each of
    /// `self[range]`, every name pointing at its string's storage and valid only inside `body`.
    fileprivate func withCCounters(_ range: Range<Int>, in scratch: UnsafeMutableBufferPointer<Gyre__V1__Counter>,
                                   _ body: () -> Void) {
        guard let index = range.first else { return body() }
        let counter = self[index]
        counter.name.withOptionalCString { name in
            var cCounter = Gyre__V1__Counter()
            gyre__v1__counter__init(&cCounter)
            cCounter.name = name
            cCounter.value = counter.value
            scratch.initializeElement(at: 0, to: cCounter)
            withCCounters((index + 1)..<range.upperBound, in: UnsafeMutableBufferPointer(rebasing: scratch[1...]), body)
        }
    }
}
