internal import CNGHTTP2

/// A header block to submit: an optional immortal prefix of constant fields (no copying, no
/// allocation) followed by per-call fields.
///
/// Contract: names must be lower-case (HTTP/2). nghttp2 copies the per-call fields during
/// submission, so the list may be discarded right after.
struct HeaderList {
    var constant: ConstantHeaders?
    var fields: [(name: String, value: String)]

    init(constant: ConstantHeaders? = nil, fields: [(name: String, value: String)] = []) {
        self.constant = constant
        self.fields = fields
    }

    func withNV<R>(_ body: (UnsafePointer<nghttp2_nv>, Int) -> R) -> R {
        if fields.isEmpty, let constant {
            return body(constant.nva, constant.count)
        }
        var bytes: [UInt8] = []
        var lengths: [(Int, Int)] = []
        lengths.reserveCapacity(fields.count)
        for field in fields {
            bytes.append(contentsOf: field.name.utf8)
            bytes.append(contentsOf: field.value.utf8)
            lengths.append((field.name.utf8.count, field.value.utf8.count))
        }
        let prefix = constant?.count ?? 0
        return bytes.withUnsafeMutableBufferPointer { storage in
            var nva = [nghttp2_nv]()
            nva.reserveCapacity(prefix + fields.count)
            if let constant {
                for index in 0..<constant.count { nva.append(constant.nva[index]) }
            }
            var offset = 0
            let base = storage.baseAddress ?? ConstantHeaders.emptyBytes
            for (nameLength, valueLength) in lengths {
                nva.append(nghttp2_nv(name: base + offset, value: base + offset + nameLength,
                                      namelen: nameLength, valuelen: valueLength,
                                      flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)))
                offset += nameLength + valueLength
            }
            return nva.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
        }
    }
}

/// A header block allocated once, submitted without copying, freed with its last reference.
///
/// Contract: immutable after creation; safe to share between threads; nghttp2 reads it only
/// during submission (it copies what it queues), so it may be released after any submit.
final class ConstantHeaders: @unchecked Sendable {
    let nva: UnsafeMutablePointer<nghttp2_nv>
    let count: Int

    private var storage: [UnsafeMutablePointer<UInt8>] = []

    deinit {
        for pointer in storage { pointer.deallocate() }
        nva.deallocate()
    }

    init(_ fields: [(String, String)]) {
        count = fields.count
        nva = .allocate(capacity: max(1, fields.count))
        for (index, field) in fields.enumerated() {
            let name = Self.immortalBytes(field.0)
            let value = Self.immortalBytes(field.1)
            storage.append(name.pointer)
            storage.append(value.pointer)
            nva[index] = nghttp2_nv(name: name.pointer, value: value.pointer,
                                    namelen: name.count, valuelen: value.count,
                                    flags: UInt8(NGHTTP2_NV_FLAG_NO_COPY_NAME.rawValue | NGHTTP2_NV_FLAG_NO_COPY_VALUE.rawValue))
        }
    }

    private static func immortalBytes(_ text: String) -> (pointer: UnsafeMutablePointer<UInt8>, count: Int) {
        let utf8 = Array(text.utf8)
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: max(utf8.count, 1))
        pointer.initialize(from: utf8, count: utf8.count)
        return (pointer, utf8.count)
    }

    /// A valid pointer for zero-length names and values.
    nonisolated(unsafe) static let emptyBytes = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)

    /// `:status: 200`, `content-type: application/grpc`: the head of every gRPC response.
    static let grpcResponseHead = ConstantHeaders([(":status", "200"), ("content-type", "application/grpc")])
    /// `grpc-status: 0`: the trailers of a successful call.
    static let grpcOK = ConstantHeaders([("grpc-status", "0")])
}
