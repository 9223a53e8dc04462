public import GyreModel

/// Whether a node may install a ring it was given (formed, stored, or later gossiped).
///
/// The epoch versions *placement*: Q, the partition owners and the member ids. Members' addresses,
/// names and weights are membership data with a version of their own (`membersVersion`), so an
/// address change never makes two different rings with one epoch.
///
/// Contract: pure. An older placement is refused; a different placement at the same epoch is
/// refused (two rings disagree: someone must look); the same placement with other member data
/// installs with the members version moved on; an identical ring is unchanged.
public enum RingInstall {
    /// What to do with a proposed ring.
    public enum Decision: Sendable, Equatable {
        /// Record, then publish, with this members version.
        case install(membersVersion: UInt64)
        /// Nothing to do: the node already has exactly this ring.
        case unchanged
        case refuse(Refusal)
    }

    /// Why a ring is refused.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// The proposed placement is older than the installed one.
        case older(installed: UInt64, proposed: UInt64)
        /// Another placement at the installed epoch.
        case conflicting(epoch: UInt64)

        public var description: String {
            switch self {
            case let .older(installed, proposed):
                "the ring offered (epoch \(proposed)) is older than the ring installed (epoch \(installed))"
            case let .conflicting(epoch):
                "the ring offered has other partition owners or members than the ring installed, at the same epoch \(epoch): two rings disagree"
            }
        }
    }

    /// Whether two rings place partitions the same way: same Q, owners and member ids.
    public static func samePlacement(_ a: Ring, _ b: Ring) -> Bool {
        a.partitionCount == b.partitionCount && a.owners == b.owners && a.members.map(\.id) == b.members.map(\.id)
    }

    public static func decide(installed: Ring?, membersVersion: UInt64, proposed: Ring) -> Decision {
        guard let installed else { return .install(membersVersion: max(1, membersVersion)) }
        if proposed.epoch < installed.epoch { return .refuse(.older(installed: installed.epoch, proposed: proposed.epoch)) }
        if proposed.epoch == installed.epoch && !samePlacement(installed, proposed) {
            return .refuse(.conflicting(epoch: installed.epoch))
        }
        if proposed == installed { return .unchanged }
        return .install(membersVersion: proposed.members == installed.members ? membersVersion : membersVersion + 1)
    }
}
