public import GyreModel
import Synchronization

/// Members that recently let a call of this node time out: the pipeline routes around them for a
/// while (``holdNanoseconds``), as it does around members the failure detector holds suspect or
/// dead. The detector needs a few protocol periods to suspect a member that went silent (longer
/// on the minority side of a partition, where Lifeguard's local health stretches its periods);
/// without this, every write forwarded to a silent replica in that time would wait out its
/// deadline and fail.
///
/// Contract: thread-safe. A member is marked only by a call that ended at its own attempt
/// deadline (not the client's), and unmarked when the hold passes, a call to it succeeds, or
/// anything is heard from it (the node's failure detector reports every message it receives, so
/// a member that is back is used again within a protocol period or so).
public final class UnresponsivePeers: Sendable {
    /// How long a timed-out member is routed around when nothing is heard from it.
    public let holdNanoseconds: UInt64
    private let until = Mutex<[NodeID: UInt64]>([:])

    public init(holdNanoseconds: UInt64 = 30_000_000_000) { self.holdNanoseconds = holdNanoseconds }

    /// A call to `node` timed out at `now`.
    public func markTimedOut(_ node: NodeID, now: UInt64) {
        until.withLock { $0[node] = now &+ holdNanoseconds }
    }

    /// A call to `node` was answered, or a message from it arrived.
    public func markAnswered(_ node: NodeID) {
        until.withLock { until in
            if !until.isEmpty { until[node] = nil }
        }
    }

    /// The members routed around at `now`.
    public func current(now: UInt64) -> Set<NodeID> {
        until.withLock { until in
            guard !until.isEmpty else { return [] }
            until = until.filter { $0.value > now }
            return Set(until.keys)
        }
    }
}
