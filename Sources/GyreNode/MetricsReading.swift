public import GyreModel

/// One reading of a node's numbers. Each sample carries both of its names: the one `Cluster/Stats`
/// shows (`kv.read_repairs`) and the Prometheus family and labels `/metrics` shows
/// (`gyre_kv_read_repairs_total`), so the two always read the same numbers.
///
/// Contract: within one reading, samples of one family have the same label names (Prometheus
/// requires it); Stats names are unique.
public struct MetricsReading: Sendable {
    /// How Prometheus should treat a sample.
    public enum Kind: Sendable {
        /// Only grows while the node runs (exported with `_total`).
        case counter
        /// Goes up and down.
        case gauge
    }

    /// One number with its names.
    public struct Sample: Sendable {
        public var statsName: String
        public var family: String
        public var labels: [(String, String)]
        public var kind: Kind
        public var value: UInt64
    }

    public var samples: [Sample] = []

    public init() {}

    /// Adds a counter whose family is derived from its Stats name (`a.b_c` → `gyre_a_b_c_total`).
    public mutating func counter(_ statsName: String, _ value: UInt64) {
        samples.append(Sample(statsName: statsName, family: Self.family(statsName) + "_total", labels: [], kind: .counter,
                              value: value))
    }

    /// Adds a gauge whose family is derived from its Stats name (`a.b_c` → `gyre_a_b_c`).
    public mutating func gauge(_ statsName: String, _ value: UInt64) {
        samples.append(Sample(statsName: statsName, family: Self.family(statsName), labels: [], kind: .gauge, value: value))
    }

    /// Adds a sample named explicitly (for labelled families); an empty `family` shows it in
    /// Stats only.
    public mutating func add(_ statsName: String, family: String, labels: [(String, String)], kind: Kind, value: UInt64) {
        samples.append(Sample(statsName: statsName, family: family, labels: labels, kind: kind, value: value))
    }

    /// `gyre_` and the Stats name with its dots as underscores.
    static func family(_ statsName: String) -> String {
        "gyre_" + String(statsName.map { $0 == "." || $0 == "-" ? "_" : $0 })
    }

    /// The reading as `Cluster/Stats` answers it: every sample by its Stats name, sorted.
    public func stats(nodeID: String) -> NodeStats {
        var counters = samples.map { NodeStats.Counter(name: $0.statsName, value: $0.value) }
        counters.sort { $0.name < $1.name }
        return NodeStats(nodeID: nodeID, counters: counters)
    }
}
