/// A cursor over one fuzz input that hands out bytes from the front and small numbers from the
/// back, the way libFuzzer's `FuzzedDataProvider` does, so the payload a target parses stays at
/// the start of the input (where a seed puts a real message) and the knobs at its end.
///
/// Contract: never traps on any input; once the bytes are used up every read returns its
/// fallback (empty, or the given default).
public struct FuzzInput {
    private let bytes: [UInt8]
    private var front = 0
    private var back: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        back = bytes.count
    }

    /// Copies libFuzzer's buffer (`data` may be NULL when `size` is 0).
    public init(data: UnsafePointer<UInt8>?, size: Int) {
        self.init(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    }

    /// Bytes not yet handed out.
    public var remaining: Int { back - front }

    /// The next `count` bytes from the front, fewer when fewer remain.
    public mutating func take(_ count: Int) -> [UInt8] {
        let taken = min(max(0, count), remaining)
        defer { front += taken }
        return Array(bytes[front..<(front + taken)])
    }

    /// The next byte from the front, or `fallback` when none remain.
    public mutating func byte(or fallback: UInt8 = 0) -> UInt8 {
        guard remaining > 0 else { return fallback }
        defer { front += 1 }
        return bytes[front]
    }

    /// Everything not yet handed out, from the front.
    public mutating func rest() -> [UInt8] { take(remaining) }

    /// The last unused byte, taken from the back, or `fallback` when none remain.
    public mutating func backByte(or fallback: UInt8 = 0) -> UInt8 {
        guard remaining > 0 else { return fallback }
        back -= 1
        return bytes[back]
    }
}
