/// What the request pipeline counts (the node's Stats show them under these names).
///
/// Contract: thread-safe; counters only grow. ``named`` lists every counter with its Stats name.
public final class PipelineMetrics: Sendable {
    /// Client writes not started because their deadline had passed.
    public let expiredWritesSkipped = Counter()
    /// Node-to-node replica reads and writes this node sent (each item of a batch counts), and
    /// those that failed.
    public let replicaCalls = Counter()
    /// Replica.Batch calls this node sent (each carried several of the replica calls above).
    public let replicaBatches = Counter()
    public let replicaFailures = Counter()
    /// Read repairs this node sent as a coordinator, and repairs it received as a replica.
    public let readRepairs = Counter()
    public let repairsReceived = Counter()
    /// Client writes answered UNAVAILABLE that at least one replica holds.
    public let writesPossiblyApplied = Counter()
    /// Client requests this node forwarded to a coordinator in the key's preference list.
    public let forwarded = Counter()
    /// Client writes refused because this cluster did not issue their context for their key.
    public let contextsRefused = Counter()
    /// Client writes refused because the key would pass its sibling or byte cap.
    public let capRefusals = Counter()
    /// Hints this node stored for other replicas (Replica.HintPut), and reads it answered from
    /// its hints (a fallback's read).
    public let hintsStored = Counter()
    public let hintReads = Counter()
    /// Hints this node sent to fallbacks as a coordinator (Replica.HintPut), and client writes
    /// it acknowledged with at least one hinted acknowledgement.
    public let hintsSent = Counter()
    public let hintedWrites = Counter()
    /// Hints a coordinator kept itself for replicas that got a write from nobody, and client
    /// writes coordinated here although no replica of the key could be reached.
    public let hintsKept = Counter()
    public let writesCoordinatedOffReplica = Counter()
    /// Hints refused because an owner's backlog reached a cap (``HintLimits``); hints delivered
    /// to their owners (and deleted here); deliveries that failed (the hint stays).
    public let hintCapHits = Counter()
    public let hintsDelivered = Counter()
    public let hintDeliveryFailures = Counter()
    public let hintBytesDelivered = Counter()
    /// Client reads coordinated here although this node is not one of the key's replicas.
    public let readsCoordinatedAway = Counter()

    public init() {}

    /// Every counter with its Stats name.
    public var named: [(name: String, value: UInt64)] {
        [
            ("kv.expired_writes_skipped", expiredWritesSkipped.value),
            ("replica.calls", replicaCalls.value),
            ("replica.failures", replicaFailures.value),
            ("replica.batches", replicaBatches.value),
            ("kv.read_repairs", readRepairs.value),
            ("replica.repairs_received", repairsReceived.value),
            ("kv.writes_possibly_applied", writesPossiblyApplied.value),
            ("kv.forwarded", forwarded.value),
            ("kv.contexts_refused", contextsRefused.value),
            ("kv.cap_refusals", capRefusals.value),
            ("hints.stored", hintsStored.value),
            ("hints.reads", hintReads.value),
            ("hints.sent", hintsSent.value),
            ("hints.kept", hintsKept.value),
            ("kv.writes_coordinated_off_replica", writesCoordinatedOffReplica.value),
            ("hints.cap_hits", hintCapHits.value),
            ("hints.delivered", hintsDelivered.value),
            ("hints.delivered_bytes", hintBytesDelivered.value),
            ("hints.delivery_failures", hintDeliveryFailures.value),
            ("kv.hinted_writes", hintedWrites.value),
            ("kv.reads_coordinated_off_replica", readsCoordinatedAway.value),
        ]
    }
}
