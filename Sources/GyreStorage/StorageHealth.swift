/// Whether an engine's writes currently work.
///
/// Contract: `.writeFault(message)` from the moment a write or WAL sync fails until a later
/// write succeeds (durably, as the engine's sync policy defines it); reads may still work while
/// it lasts. `message` describes the latest failure.
public enum StorageHealth: Sendable, Equatable, CustomStringConvertible {
    case ok
    case writeFault(String)

    public var description: String {
        switch self {
        case .ok: "ok"
        case let .writeFault(message): "write fault: \(message)"
        }
    }
}
