import Synchronization

/// What a coordinator's read-modify-write of its own replica decided, recorded inside the
/// storage engine's transform and read once the write completed (the transform may run on an
/// engine thread).
///
/// Contract: thread-safe; holds the last decision recorded (a transform runs once per update).
final class LocalWriteOutcome<Version: Sendable>: Sendable {
    enum Decision: Sendable {
        /// The new versions and their encoding (what was stored).
        case written(Version, [UInt8])
        /// The write would break a cap; nothing changed.
        case refused(String)
    }

    private let decision = Mutex<Decision?>(nil)

    func record(_ value: Decision) { decision.withLock { $0 = value } }

    var value: Decision? { decision.withLock { $0 } }
}

/// The sizes a storage transform saw and left (old nil: the record was new; new nil: deleted),
/// recorded inside the transform and read once the write completed.
///
/// Contract: thread-safe; nil until the transform recorded a change.
final class SizeChange: Sendable {
    private let sizes = Mutex<(old: Int?, new: Int?)?>(nil)

    func record(old: Int?, new: Int?) { sizes.withLock { $0 = (old, new) } }

    var value: (old: Int?, new: Int?)? { sizes.withLock { $0 } }
}
