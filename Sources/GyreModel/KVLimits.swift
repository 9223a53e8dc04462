/// Size limits a node enforces on client requests.
///
/// Contract: ``validate(key:)`` and ``validate(value:)`` accept exactly the keys of
/// 1...`maxKeyBytes` bytes and values of 0...`maxValueBytes` bytes and otherwise describe the
/// problem in words fit for a gRPC `INVALID_ARGUMENT` message.
public struct KVLimits: Sendable, Equatable {
    /// Longest key accepted, in bytes (default 1 KiB).
    public var maxKeyBytes: Int
    /// Longest value accepted, in bytes (default 1 MiB).
    public var maxValueBytes: Int

    public init(maxKeyBytes: Int = 1024, maxValueBytes: Int = 1 << 20) {
        self.maxKeyBytes = maxKeyBytes
        self.maxValueBytes = maxValueBytes
    }

    /// Why a key is refused, or nil when it is acceptable.
    public func validate(key: Key) -> LimitViolation? {
        if key.bytes.isEmpty { return .emptyKey }
        if key.bytes.count > maxKeyBytes { return .keyTooLong(bytes: key.bytes.count, limit: maxKeyBytes) }
        return nil
    }

    /// Why a value is refused, or nil when it is acceptable.
    public func validate(value: [UInt8]) -> LimitViolation? {
        if value.count > maxValueBytes { return .valueTooLong(bytes: value.count, limit: maxValueBytes) }
        return nil
    }
}

/// A request that breaks a ``KVLimits`` rule; its description is the client-facing message.
public enum LimitViolation: Error, Equatable, Sendable, CustomStringConvertible {
    case emptyKey
    case keyTooLong(bytes: Int, limit: Int)
    case valueTooLong(bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case .emptyKey:
            return "key is empty: keys must be 1 byte or longer"
        case let .keyTooLong(bytes, limit):
            return "key is \(bytes) bytes: the limit is \(limit) bytes"
        case let .valueTooLong(bytes, limit):
            return "value is \(bytes) bytes: the limit is \(limit) bytes"
        }
    }
}
