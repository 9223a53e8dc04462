/// The size of the header block being received, counted as RFC 9113 counts
/// SETTINGS_MAX_HEADER_LIST_SIZE: decoded names and values plus 32 per field, so HPACK's one-byte
/// references to a large table entry cannot amplify what a stream makes the server hold.
struct HeaderBlockSize {
    private(set) var bytes = 0
    private(set) var fields = 0

    mutating func reset() { self = HeaderBlockSize() }

    mutating func add(nameBytes: Int, valueBytes: Int) {
        bytes += nameBytes + valueBytes + 32
        fields += 1
    }

    /// Whether the block is over `times` × the limits (in bytes or in fields).
    func exceeds(bytes byteLimit: Int, fields fieldLimit: Int, times: Int = 1) -> Bool {
        bytes > times * byteLimit || fields > times * fieldLimit
    }
}
