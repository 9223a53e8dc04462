/// A storage failure, with a message fit for an operator and a client.
///
/// Contract: `kind` tells callers what the failure means for the record: a `.writeFault` write
/// may or may not have been applied and may not be durable; `.closed` means the engine was
/// closed before the operation ran (nothing was applied); `.failure` is anything else (a read
/// failed, a transform refused the old bytes, a store could not be opened).
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What a failure means for the record it concerns.
    public enum Kind: Sendable, Equatable {
        /// Anything else: nothing was written.
        case failure
        /// The storage medium failed while writing: the write may or may not have been applied
        /// and may not survive a restart.
        case writeFault
        /// The engine was closed: nothing was applied.
        case closed
    }

    public var message: String
    public var kind: Kind

    public init(_ message: String, kind: Kind = .failure) {
        self.message = message
        self.kind = kind
    }

    public var description: String { message }

    /// A write fault: says that it is one and that the write may not be durable, then `detail`.
    public static func writeFault(_ detail: String) -> StorageError {
        StorageError("storage write fault: \(detail); the write may not be durable "
                         + "(it may or may not be present after a restart)",
                     kind: .writeFault)
    }

    /// The error of an operation begun after ``StorageEngine/close()``.
    public static let closed = StorageError("storage is closed", kind: .closed)
}
