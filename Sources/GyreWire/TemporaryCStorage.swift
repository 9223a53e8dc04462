internal import CGyreProto

/// Heap copies of bytes and strings handed to protobuf-c for one encoding, freed together.
struct TemporaryCStorage {
    private var allocations: [UnsafeMutableRawPointer] = []

    mutating func binary(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        guard !bytes.isEmpty else { return ProtobufCBinaryData(len: 0, data: nil) }
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
        pointer.initialize(from: bytes, count: bytes.count)
        allocations.append(UnsafeMutableRawPointer(pointer))
        return ProtobufCBinaryData(len: bytes.count, data: pointer)
    }

    /// A NUL-terminated copy, or NULL for the empty string (protobuf-c's "absent").
    mutating func cString(_ text: String) -> UnsafeMutablePointer<CChar>? {
        guard !text.isEmpty else { return nil }
        let utf8 = Array(text.utf8)
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count + 1)
        for (index, byte) in utf8.enumerated() { pointer[index] = CChar(bitPattern: byte) }
        pointer[utf8.count] = 0
        allocations.append(UnsafeMutableRawPointer(pointer))
        return pointer
    }

    mutating func release() {
        for allocation in allocations { allocation.deallocate() }
        allocations = []
    }
}
