public import GyreRPC

/// Receives the server's per-call outcomes, for metrics.
///
/// Contract: called on connection threads, concurrently; implementations must be cheap and
/// thread-safe. Every call that reached a method is reported exactly once by
/// ``callFinished(method:code:nanoseconds:)``, with the time from its first frame to its end;
/// unknown paths by ``unknownMethod(path:)``.
public protocol ServerObserver: Sendable {
    func callFinished(method: RegisteredMethod, code: StatusCode, nanoseconds: UInt64)
    func unknownMethod(path: String)
    /// The server itself answered DEADLINE_EXCEEDED because the client's deadline passed.
    func deadlineExceededByServer(method: RegisteredMethod)
    /// A request was refused because the node was at its in-flight limit.
    func overloaded(path: String)
    /// The server protected itself from a connection (has a default that ignores it).
    func protection(_ event: ProtectionEvent)
}

/// An observer that ignores everything.
public struct NoServerObserver: ServerObserver {
    public init() {}
    public func callFinished(method: RegisteredMethod, code: StatusCode, nanoseconds: UInt64) {}
    public func unknownMethod(path: String) {}
    public func deadlineExceededByServer(method: RegisteredMethod) {}
    public func overloaded(path: String) {}
}

/// What a server did to protect itself from one connection, for metrics and logs.
public enum ProtectionEvent: Sendable, CaseIterable {
    /// A stream was reset for a header list over the byte or field limit.
    case headerListRefused
    /// A request did not arrive whole within the request timeout; it was answered and reset.
    case requestTimedOut
    /// A request's bytes would have passed the connection's or the server's buffer budget.
    case requestBytesRefused
    /// A response was replaced by RESOURCE_EXHAUSTED: its client had too much left unread.
    case responseRefusedUnread
    /// A call was refused: its connection already held its share of the in-flight budget.
    case connectionShareExhausted
    /// A connection with no open stream was closed after the idle timeout.
    case closedIdle
    /// A connection that left its pending responses unread for the request timeout was closed.
    case closedStalled
    /// A connection that kept sending oversized header lists got GOAWAY.
    case closedHeaderAbuse
    /// An idle connection was closed to make room for a new one (connection caps).
    case evictedIdle
    /// A new connection was refused: at a cap with no idle connection to evict.
    case refusedAtCap
    /// Accepting failed for want of file descriptors or memory; the listener paused accepting.
    case acceptBackedOff

    /// The event's counter name (`conn.` + this), in snake case.
    public var name: String {
        switch self {
        case .headerListRefused: "header_list_refused"
        case .requestTimedOut: "request_timed_out"
        case .requestBytesRefused: "request_bytes_refused"
        case .responseRefusedUnread: "response_refused_unread"
        case .connectionShareExhausted: "connection_share_exhausted"
        case .closedIdle: "closed_idle"
        case .closedStalled: "closed_stalled"
        case .closedHeaderAbuse: "closed_header_abuse"
        case .evictedIdle: "evicted_idle"
        case .refusedAtCap: "refused_at_cap"
        case .acceptBackedOff: "accept_backed_off"
        }
    }
}

extension ServerObserver {
    /// Reports a protection event; the default ignores it.
    public func protection(_ event: ProtectionEvent) {}
}
