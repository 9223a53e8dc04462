/// The thread a connection lives on, and the way onto it.
///
/// Contract: work passed to ``execute(_:)`` runs on the connection's thread, in order; when
/// ``inConnectionThread`` is true the caller is already there and may touch the connection.
public protocol ConnectionExecutor: Sendable {
    var inConnectionThread: Bool { get }
    func execute(_ work: @escaping @Sendable () -> Void)
}

/// An executor for a connection driven by the current thread (tests): runs work at once.
public struct ImmediateExecutor: ConnectionExecutor {
    public init() {}
    public var inConnectionThread: Bool { true }
    public func execute(_ work: @escaping @Sendable () -> Void) { work() }
}
