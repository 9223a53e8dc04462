/// How evenly a ring spreads load over its members, for one replica count N.
///
/// Contract: computed from one ``Ring`` by ``Ring/balance(n:)``. For each member: its weight,
/// the partitions it owns (its primaries), and the preference lists of N nodes that include it
/// (its replicas). Each load is also given per unit of weight and as a ratio to the ring's mean
/// per unit of weight (Q/W for partitions, Q·min(N,S)/W for replicas), so 1.0 is a perfectly
/// fair share. `description` is the printable table the benchmark shows.
public struct RingBalance: Sendable, Equatable, CustomStringConvertible {
    /// One member's load.
    public struct Row: Sendable, Equatable {
        public var id: NodeID
        public var weight: UInt32
        /// Partitions it owns (it is first in their preference lists).
        public var partitions: Int
        /// `partitions / weight` divided by Q/W.
        public var partitionRatio: Double
        /// Preference lists of N nodes it appears in.
        public var replicas: Int
        /// `replicas / weight` divided by Q·min(N,S)/W.
        public var replicaRatio: Double
    }

    public var epoch: UInt64
    public var partitionCount: Int
    /// The replica count the preference lists were taken with.
    public var n: Int
    /// One row per member, sorted by id.
    public var rows: [Row]
    /// Partitions whose clockwise neighbour has the same owner (the wrap from Q-1 to 0 included).
    public var sameOwnerNeighbours: Int
    /// Partitions whose preference list is not simply the owners of the next min(N,S) partitions
    /// (the walk had to skip a node already listed).
    public var listsWithSkips: Int

    /// The largest of max(ratio) and 1/min(ratio) over the partition ratios.
    public var worstPartitionRatio: Double { RingBalance.worst(rows.map(\.partitionRatio)) }
    /// The largest of max(ratio) and 1/min(ratio) over the replica ratios.
    public var worstReplicaRatio: Double { RingBalance.worst(rows.map(\.replicaRatio)) }

    private static func worst(_ ratios: [Double]) -> Double {
        guard let high = ratios.max(), let low = ratios.min(), low > 0 else { return .infinity }
        return max(high, 1 / low)
    }

    public var description: String {
        var lines = [
            "ring epoch \(epoch): Q=\(partitionCount) S=\(rows.count) N=\(n)"
                + " worst partition ratio \(RingBalance.format(worstPartitionRatio))"
                + " worst replica ratio \(RingBalance.format(worstReplicaRatio))"
                + " same-owner neighbours \(sameOwnerNeighbours) lists with skips \(listsWithSkips)",
        ]
        let header = ["node", "weight", "partitions", "per-weight", "ratio", "replicas(N=\(n))", "per-weight", "ratio"]
        var table = [header]
        for row in rows {
            let weight = Double(row.weight)
            table.append([
                row.id.description, "\(row.weight)",
                "\(row.partitions)", RingBalance.format(Double(row.partitions) / weight), RingBalance.format(row.partitionRatio),
                "\(row.replicas)", RingBalance.format(Double(row.replicas) / weight), RingBalance.format(row.replicaRatio),
            ])
        }
        let widths = header.indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        for cells in table {
            let padded = cells.indices.map { column in
                let cell = cells[column]
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + padding : padding + cell
            }
            lines.append(padded.joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }

    /// `value` with three decimals, without Foundation.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "inf" }
        let thousandths = Int((value * 1000).rounded())
        let fraction = String(abs(thousandths) % 1000)
        let sign = thousandths < 0 ? "-" : ""
        return "\(sign)\(abs(thousandths) / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}

extension Ring {
    /// The load each member carries for replica count `n` (see ``RingBalance``).
    /// - Precondition: `n >= 1`.
    public func balance(n: Int = 3) -> RingBalance {
        precondition(n >= 1, "n must be at least 1")
        let listLength = min(n, members.count)
        var partitions = [Int](repeating: 0, count: members.count)
        var replicas = [Int](repeating: 0, count: members.count)
        var sameOwnerNeighbours = 0
        var listsWithSkips = 0
        for partition in 0..<partitionCount {
            partitions[Int(slots[partition])] += 1
            if slots[partition] == slots[(partition + 1) % partitionCount] && members.count > 1 { sameOwnerNeighbours += 1 }
            let list = walk(from: partition, count: listLength)
            for slot in list { replicas[Int(slot)] += 1 }
            let consecutive = (0..<listLength).map { slots[(partition + $0) % partitionCount] }
            if consecutive != list { listsWithSkips += 1 }
        }
        let totalWeight = Double(members.reduce(UInt64(0)) { $0 + UInt64($1.weight) })
        let partitionMean = Double(partitionCount) / totalWeight
        let replicaMean = Double(partitionCount * listLength) / totalWeight
        let rows = members.indices.map { index in
            let weight = Double(members[index].weight)
            return RingBalance.Row(
                id: members[index].id, weight: members[index].weight,
                partitions: partitions[index], partitionRatio: Double(partitions[index]) / weight / partitionMean,
                replicas: replicas[index], replicaRatio: Double(replicas[index]) / weight / replicaMean)
        }
        return RingBalance(epoch: epoch, partitionCount: partitionCount, n: n, rows: rows,
                           sameOwnerNeighbours: sameOwnerNeighbours, listsWithSkips: listsWithSkips)
    }

    /// ``balance(n:)`` as a printable table: one line of totals, then one row per member.
    public func balanceTable(n: Int = 3) -> String { balance(n: n).description }
}
