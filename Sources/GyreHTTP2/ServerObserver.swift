public import GyreRPC

/// Receives the server's per-call outcomes, for metrics.
///
/// Contract: called on connection threads, concurrently; implementations must be cheap and
/// thread-safe. Every call that reached a method is reported exactly once by
/// ``callFinished(method:code:)``; unknown paths by ``unknownMethod(path:)``.
public protocol ServerObserver: Sendable {
    func callFinished(method: RegisteredMethod, code: StatusCode)
    func unknownMethod(path: String)
    /// The server itself answered DEADLINE_EXCEEDED because the client's deadline passed.
    func deadlineExceededByServer(method: RegisteredMethod)
    /// A request was refused because the node was at its in-flight limit.
    func overloaded(path: String)
}

/// An observer that ignores everything.
public struct NoServerObserver: ServerObserver {
    public init() {}
    public func callFinished(method: RegisteredMethod, code: StatusCode) {}
    public func unknownMethod(path: String) {}
    public func deadlineExceededByServer(method: RegisteredMethod) {}
    public func overloaded(path: String) {}
}
