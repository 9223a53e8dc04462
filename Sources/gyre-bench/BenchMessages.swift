/// The four request messages the benchmark sends, written by hand, and the few response fields it
/// checks, read by hand: no generated code on the hot path, and the same bytes for both systems.
///
/// Contract: the Gyre and etcd requests have the same shape, so one encoder serves both:
///
///     gyre.v1.PutRequest   {key = 1, value = 2}     etcdserverpb.PutRequest   {key = 1, value = 2}
///     gyre.v1.GetRequest   {key = 1}                etcdserverpb.RangeRequest {key = 1}
///
/// (Gyre's `context = 3` and `w = 4`, `r = 2`, and etcd's other fields, are left at their
/// defaults.) ``framedRequest(key:value:)`` returns the 5-byte gRPC prefix plus the message in
/// one allocation. ``ResponseCheck`` reads the fields that say whether an OK answer is the one
/// expected (one value, the bench value) without decoding the rest.
enum BenchMessages {
    /// The bytes written as every value: byte i is (7·i + 3) mod 256, as in grpc_tool.py's
    /// `bench_value`, so the Python helpers recognise them too.
    static func benchValue(count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
    }

    /// A framed request with field 1 = `key` and, when given, field 2 = `value`.
    static func framedRequest(key: [UInt8], value: [UInt8]?) -> [UInt8] {
        var length = 1 + varintSize(key.count) + key.count
        if let value { length += 1 + varintSize(value.count) + value.count }
        var out = [UInt8]()
        out.reserveCapacity(5 + length)
        out.append(0)
        out.append(UInt8(truncatingIfNeeded: length >> 24))
        out.append(UInt8(truncatingIfNeeded: length >> 16))
        out.append(UInt8(truncatingIfNeeded: length >> 8))
        out.append(UInt8(truncatingIfNeeded: length))
        out.append(1 << 3 | 2)
        appendVarint(&out, UInt64(key.count))
        out.append(contentsOf: key)
        if let value {
            out.append(2 << 3 | 2)
            appendVarint(&out, UInt64(value.count))
            out.append(contentsOf: value)
        }
        return out
    }

    static func varintSize(_ value: Int) -> Int {
        var value = UInt64(value), size = 1
        while value >= 0x80 { value >>= 7; size += 1 }
        return size
    }

    static func appendVarint(_ out: inout [UInt8], _ value: UInt64) {
        var value = value
        while value >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
    }
}

/// A cursor over the top-level fields of one protobuf message.
///
/// Contract: ``next()`` returns each field's number and, for length-delimited fields, the bytes'
/// range; varints give their value. Malformed input ends the walk and sets ``malformed``.
struct ProtobufFields {
    enum Payload {
        case varint(UInt64)
        case bytes(Range<Int>)
        case fixed
    }

    let bytes: [UInt8]
    var offset: Int
    let end: Int
    private(set) var malformed = false

    init(_ bytes: [UInt8], range: Range<Int>? = nil) {
        self.bytes = bytes
        self.offset = range?.lowerBound ?? 0
        self.end = range?.upperBound ?? bytes.count
    }

    mutating func next() -> (number: UInt64, payload: Payload)? {
        guard offset < end, let key = readVarint() else { return nil }
        switch key & 7 {
        case 0:
            guard let value = readVarint() else { return nil }
            return (key >> 3, .varint(value))
        case 2:
            guard let length = readVarint(), length <= UInt64(end - offset) else { return fail() }
            let range = offset..<(offset + Int(length))
            offset += Int(length)
            return (key >> 3, .bytes(range))
        case 1:
            guard end - offset >= 8 else { return fail() }
            offset += 8
            return (key >> 3, .fixed)
        case 5:
            guard end - offset >= 4 else { return fail() }
            offset += 4
            return (key >> 3, .fixed)
        default:
            return fail()
        }
    }

    private mutating func fail() -> (number: UInt64, payload: Payload)? {
        malformed = true
        offset = end
        return nil
    }

    private mutating func readVarint() -> UInt64? {
        var result: UInt64 = 0, shift: UInt64 = 0
        while offset < end, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        malformed = true
        offset = end
        return nil
    }
}

/// Checks that an OK response holds what the benchmark expects.
///
/// Contract: returns nil when the answer is as expected, otherwise a short reason (the key of the
/// "bad responses" table):
/// - Gyre Put of a fresh key: `PutResponse{context = 1, replicas = 2, values = 3}` with exactly
///   one value (a sibling would mean the key was not fresh) and `replicas` ≥ 1.
/// - Gyre Get: `GetResponse{values = 1, context = 2, replicas = 3}` with exactly one value, equal
///   to the bench value.
/// - etcd Put: any `PutResponse` (it carries only a header).
/// - etcd Range: `RangeResponse{header = 1, kvs = 2, more = 3, count = 4}` with exactly one
///   `KeyValue{key = 1, …, value = 5}` whose value is the bench value.
struct ResponseCheck: Sendable {
    let target: BenchTarget
    let operation: BenchOperation
    let value: [UInt8]

    func problem(in message: [UInt8]) -> String? {
        switch (target, operation) {
        case (.gyre, .put):
            var fields = ProtobufFields(message)
            var values = 0, replicas: UInt64 = 0
            while let field = fields.next() {
                switch (field.number, field.payload) {
                case (3, .bytes): values += 1
                case let (2, .varint(count)): replicas = count
                default: break
                }
            }
            if fields.malformed { return "malformed PutResponse" }
            if values != 1 { return values == 0 ? "put answered no value" : "put answered \(values) siblings" }
            if replicas == 0 { return "put answered replicas=0" }
            return nil
        case (.gyre, .get):
            var fields = ProtobufFields(message)
            var values = 0, matches = false
            while let field = fields.next() {
                if field.number == 1, case let .bytes(range) = field.payload {
                    values += 1
                    matches = message[range].elementsEqual(value)
                }
            }
            if fields.malformed { return "malformed GetResponse" }
            if values != 1 { return values == 0 ? "get found no value" : "get found \(values) siblings" }
            return matches ? nil : "get found another value"
        case (.etcd, .put):
            return nil
        case (.etcd, .get):
            var fields = ProtobufFields(message)
            var kvs = 0, matches = false
            while let field = fields.next() {
                if field.number == 2, case let .bytes(range) = field.payload {
                    kvs += 1
                    var kv = ProtobufFields(message, range: range)
                    while let inner = kv.next() {
                        if inner.number == 5, case let .bytes(valueRange) = inner.payload {
                            matches = message[valueRange].elementsEqual(value)
                        }
                    }
                }
            }
            if fields.malformed { return "malformed RangeResponse" }
            if kvs != 1 { return kvs == 0 ? "range found no key" : "range found \(kvs) keys" }
            return matches ? nil : "range found another value"
        }
    }
}
