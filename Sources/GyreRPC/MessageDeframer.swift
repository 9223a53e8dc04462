/// Why a stream of gRPC message bytes cannot be read.
public enum DeframeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The compressed flag was set on a call that negotiated no compression (no `grpc-encoding`,
    /// or `identity`): a protocol violation, INTERNAL as the gRPC compression spec requires.
    case compressedMessage
    /// A flag byte other than 0 or 1.
    case invalidFlag(UInt8)
    /// A message longer than the configured maximum (detected from the prefix alone).
    case messageTooLarge(length: Int, limit: Int)
    /// The stream ended inside a message.
    case truncated(buffered: Int)

    public var description: String {
        switch self {
        case .compressedMessage:
            return "compressed message received, but the call did not negotiate compression"
        case let .invalidFlag(flag):
            return "invalid gRPC message flag \(flag)"
        case let .messageTooLarge(length, limit):
            return "message of \(length) bytes exceeds the maximum of \(limit) bytes"
        case let .truncated(buffered):
            return "stream ended inside a message (\(buffered) bytes of an incomplete message)"
        }
    }

    /// The gRPC status a server answers with for this error.
    public var statusCode: StatusCode {
        switch self {
        case .messageTooLarge: .resourceExhausted
        case .compressedMessage, .invalidFlag, .truncated: .internal
        }
    }
}

/// Reassembles length-prefixed gRPC messages from bytes that arrive in arbitrary pieces.
///
/// Contract: feeding the same bytes split at any offsets yields the same messages in the same
/// order; a message is returned only when complete; an oversized length is refused as soon as
/// its prefix is seen, before the body is buffered. After an error the deframer stays failed.
public struct MessageDeframer: Sendable {
    /// Largest message accepted, in bytes.
    public let maxMessageBytes: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var failure: DeframeError?

    public init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    /// Bytes received but not yet returned as a message.
    public var bufferedBytes: Int { buffer.count - readIndex }

    /// Adds received bytes.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, !bytes.isEmpty else { return }
        if readIndex > 0 && readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > 4096 && readIndex * 2 > buffer.count {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Adds received bytes.
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next complete message, nil when more bytes are needed.
    public mutating func next() throws(DeframeError) -> [UInt8]? {
        if let failure { throw failure }
        let available = buffer.count - readIndex
        guard available >= MessageFraming.prefixLength else { return nil }
        let flag = buffer[readIndex]
        guard flag == 0 else {
            let error: DeframeError = flag == 1 ? .compressedMessage : .invalidFlag(flag)
            failure = error
            throw error
        }
        let length = Int(buffer[readIndex + 1]) << 24 | Int(buffer[readIndex + 2]) << 16
            | Int(buffer[readIndex + 3]) << 8 | Int(buffer[readIndex + 4])
        guard length <= maxMessageBytes else {
            let error = DeframeError.messageTooLarge(length: length, limit: maxMessageBytes)
            failure = error
            throw error
        }
        guard available - MessageFraming.prefixLength >= length else { return nil }
        let start = readIndex + MessageFraming.prefixLength
        let message = Array(buffer[start..<(start + length)])
        readIndex = start + length
        return message
    }

    /// Adds received bytes and hands every message completed by them to `body`, in order: the
    /// same messages as ``append(_:)`` followed by ``next()`` until nil, but a message that lies
    /// whole in `bytes` while nothing is buffered is copied once, straight out of `bytes`.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer,
                              _ body: ([UInt8]) throws(DeframeError) -> Void) throws(DeframeError) {
        if let failure { throw failure }
        var rest = bytes
        if bufferedBytes == 0 {
            while rest.count >= MessageFraming.prefixLength {
                let flag = rest[0]
                guard flag == 0 else {
                    let error: DeframeError = flag == 1 ? .compressedMessage : .invalidFlag(flag)
                    failure = error
                    throw error
                }
                let length = Int(rest[1]) << 24 | Int(rest[2]) << 16 | Int(rest[3]) << 8 | Int(rest[4])
                guard length <= maxMessageBytes else {
                    let error = DeframeError.messageTooLarge(length: length, limit: maxMessageBytes)
                    failure = error
                    throw error
                }
                let end = MessageFraming.prefixLength + length
                guard rest.count >= end else { break }
                let message = [UInt8](UnsafeRawBufferPointer(rebasing: rest[MessageFraming.prefixLength..<end]))
                rest = UnsafeRawBufferPointer(rebasing: rest[end...])
                try body(message)
            }
            if rest.isEmpty { return }
        }
        append(rest)
        while let message = try next() { try body(message) }
    }

    /// Checks the stream ended on a message boundary.
    public func finish() throws(DeframeError) {
        if let failure { throw failure }
        if bufferedBytes > 0 { throw DeframeError.truncated(buffered: bufferedBytes) }
    }
}
