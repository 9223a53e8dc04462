public import GyreModel

/// What a replica checks before it reads or writes anything for a replica call: that the call is
/// meant for it, that the sender's ring is not older than its own, that the key hashes to the
/// partition the call names, and that it holds that partition at its epoch. A misrouted write
/// would otherwise land where no scan, transfer or anti-entropy looks.
///
/// Contract: pure; nil means admitted. Every refusal is answered FAILED_PRECONDITION with the
/// replica's epoch in a `gyre-ring-epoch` trailer, so the sender can refresh its ring.
public enum ReplicaAdmission {
    public static let epochTrailer = "gyre-ring-epoch"

    /// Why a replica call is refused.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// The call names another node (or none) as its target.
        case wrongTarget(named: NodeID?, me: NodeID)
        /// The sender routed by a ring older than the replica's.
        case staleEpoch(sender: UInt64, replica: UInt64)
        /// The key's hash is not in the partition the call names.
        case keyNotInPartition(named: UInt32, actual: Int)
        /// The replica does not hold the named partition at its epoch.
        case partitionNotHeld(UInt32, epoch: UInt64)
        /// A hint names an owner that is not one of the partition's replicas at the epoch.
        case ownerNotAReplica(NodeID, partition: UInt32, epoch: UInt64)

        public var description: String {
            switch self {
            case let .wrongTarget(named?, me): "the call is meant for node \(named), this is \(me)"
            case let .wrongTarget(nil, me): "the call names no target node (this is \(me))"
            case let .staleEpoch(sender, replica): "the sender's ring (epoch \(sender)) is older than this replica's (epoch \(replica))"
            case let .keyNotInPartition(named, actual): "the key belongs to partition \(actual), not \(named)"
            case let .partitionNotHeld(partition, epoch): "this node does not hold partition \(partition) at ring epoch \(epoch)"
            case let .ownerNotAReplica(owner, partition, epoch):
                "the hint's owner \(owner) is not a replica of partition \(partition) at ring epoch \(epoch)"
            }
        }
    }

    /// The one epoch rule: a replica accepts calls routed by a ring at least as new as its own.
    /// (A partition handover will widen it to accept the previous epoch for partitions in flight.)
    public static func acceptsEpoch(sender: UInt64, replica: UInt64) -> Bool { sender >= replica }

    /// The checks on the call as a whole: its target and the sender's epoch.
    public static func checkCall(target: NodeID?, senderEpoch: UInt64, me: NodeID, replicaEpoch: UInt64) -> Refusal? {
        guard target == me else { return .wrongTarget(named: target, me: me) }
        guard acceptsEpoch(sender: senderEpoch, replica: replicaEpoch) else {
            return .staleEpoch(sender: senderEpoch, replica: replicaEpoch)
        }
        return nil
    }

    /// The checks on one item: the key hashes to `partition`, and `holds(partition)` at `epoch`.
    public static func checkItem(key: Key, partition: UInt32, partitionCount: Int, epoch: UInt64,
                                 holds: (Int) -> Bool) -> Refusal? {
        let actual = KeyHash.partition(for: key, partitionCount: partitionCount)
        guard actual == Int(partition) else { return .keyNotInPartition(named: partition, actual: actual) }
        guard holds(actual) else { return .partitionNotHeld(partition, epoch: epoch) }
        return nil
    }
}

extension ReplicaAdmission {
    /// The checks on a hint (`Replica.HintPut`, a fallback's read): the key hashes to
    /// `partition`, and `owner`, when given, is one of `replicas`, the partition's N replicas.
    /// The node itself need not hold the partition: that is what a fallback is.
    public static func checkHint(key: Key, partition: UInt32, owner: NodeID?, replicas: [NodeID], partitionCount: Int,
                                 epoch: UInt64) -> Refusal? {
        if let refusal = checkItem(key: key, partition: partition, partitionCount: partitionCount, epoch: epoch,
                                   holds: { _ in true }) {
            return refusal
        }
        if let owner, !replicas.contains(owner) { return .ownerNotAReplica(owner, partition: partition, epoch: epoch) }
        return nil
    }
}

extension Ring {
    /// For each partition, whether `node` is among its N replicas (its preference list).
    public func heldPartitions(by node: NodeID, replication: Int) -> [Bool] {
        (0..<partitionCount).map { preferenceList(partition: $0, n: replication).contains(node) }
    }
}
