/// `gyre.v1.StatsResponse`: a node's counters at one moment.
///
/// Contract: `counters` is sorted by name and names are unique.
public struct NodeStats: Sendable, Equatable {
    /// One named counter (`rpc.KV.Put.status.OK`, `rpc.deadline_exceeded`, …).
    public struct Counter: Sendable, Equatable {
        public var name: String
        public var value: UInt64

        public init(name: String, value: UInt64) {
            self.name = name
            self.value = value
        }
    }

    public var nodeID: String
    public var counters: [Counter]

    public init(nodeID: String, counters: [Counter]) {
        self.nodeID = nodeID
        self.counters = counters
    }

    /// The value of the counter called `name`, or 0 when there is none.
    public subscript(name: String) -> UInt64 {
        counters.first { $0.name == name }?.value ?? 0
    }
}

/// `gyre.v1.StatsRequest`: no fields.
public struct StatsRequest: Sendable, Equatable {
    public init() {}
}
