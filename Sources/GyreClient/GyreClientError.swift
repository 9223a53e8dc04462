/// Why a ``GyreClient`` call failed, from the gRPC status of the last node tried.
///
/// Contract: a write (put or delete) fails with ``possiblyApplied(acks:hinted:message:)`` whenever
/// it may have taken effect (the client never retries such a write); every other write error
/// means it certainly did not. Reads fail only after every node allowed was tried or the deadline
/// passed.
public enum GyreClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request is wrong whichever node answers (INVALID_ARGUMENT, OUT_OF_RANGE): an empty or
    /// oversized key, an oversized value, a context not issued for this key, R or W above N.
    case invalidArgument(String)
    /// The key holds too many siblings or bytes to add another version (FAILED_PRECONDITION):
    /// read it, merge the siblings and write back with the context.
    case tooManySiblings(String)
    /// Not enough replicas could be reached, on any node tried (UNAVAILABLE); a write was not
    /// applied.
    case unavailable(String)
    /// A write that may or may not have taken effect: `acks` replicas acknowledged it (of which
    /// `hinted` were stand-ins), short of W, or no answer came in time. Read the key to know.
    case possiblyApplied(acks: Int, hinted: Int, message: String)
    /// The deadline passed before an answer (a read, or a write the node says it did not apply).
    case deadlineExceeded(String)
    /// The node refused the call for its size or its load (RESOURCE_EXHAUSTED); retry later.
    case overloaded(String)
    /// No seed answered with a ring, or the cluster is still forming.
    case noRing(String)
    /// The client is closed, or the call was cancelled.
    case cancelled(String)
    /// Any other status (INTERNAL, UNIMPLEMENTED, PERMISSION_DENIED, ...), as the node gave it.
    case server(code: Int, message: String)
    /// The client's own settings are unusable (a TLS file, a seed address).
    case configuration(String)

    public var description: String {
        switch self {
        case let .invalidArgument(message): "invalid argument: \(message)"
        case let .tooManySiblings(message): "too many siblings: \(message)"
        case let .unavailable(message): "unavailable: \(message)"
        case let .possiblyApplied(acks, hinted, message):
            "possibly applied (\(acks) acknowledgement\(acks == 1 ? "" : "s")\(hinted > 0 ? ", \(hinted) hinted" : "")): \(message)"
        case let .deadlineExceeded(message): "deadline exceeded: \(message)"
        case let .overloaded(message): "overloaded: \(message)"
        case let .noRing(message): "no ring: \(message)"
        case let .cancelled(message): "cancelled: \(message)"
        case let .server(code, message): "status \(code): \(message)"
        case let .configuration(message): "configuration: \(message)"
        }
    }
}
