import CoreMetrics
public import Prometheus
import Synchronization

/// A node's own Prometheus registry, fed through swift-metrics: the latency histograms are
/// recorded on the hot path through ``factory``; every other number is a ``MetricsReading``
/// sample, mirrored into a swift-metrics counter or gauge of this registry when `/metrics` is
/// scraped.
///
/// Why mirrored at scrape time: the hot path keeps the lock-free counters `Cluster/Stats` has
/// always read, and `/metrics` shows exactly those numbers (a counter moves by the difference
/// since the last scrape), instead of every request paying for a second set of counters.
///
/// Contract: thread-safe. One instance per node (not the process-wide `MetricsSystem`), so
/// several nodes in one process keep their metrics apart. A gauge missing from a later reading
/// reads 0; a counter never goes down.
public final class NodeMetricsRegistry: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics factory whose metrics land in ``registry``.
    public let factory: PrometheusMetricsFactory
    private let exported = Mutex<[String: Exported]>([:])

    private enum Exported {
        case counter(CoreMetrics.Counter, last: UInt64)
        case gauge(CoreMetrics.Gauge)
    }

    public init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [NodeMetrics.latencyFamily: NodeMetrics.latencyBuckets]
        self.factory = factory
    }

    /// Brings the registry up to `reading` and renders it in the Prometheus text format (0.0.4).
    public func render(_ reading: MetricsReading) -> [UInt8] {
        let factory = self.factory
        exported.withLock { table in
            var seen = Set<String>()
            for sample in reading.samples where !sample.family.isEmpty {
                let key = sample.family + "{" + sample.labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
                seen.insert(key)
                switch (sample.kind, table[key]) {
                case let (.counter, .counter(counter, last)?):
                    if sample.value > last {
                        counter.increment(by: sample.value - last)
                        table[key] = .counter(counter, last: sample.value)
                    }
                case (.counter, _):
                    let counter = CoreMetrics.Counter(label: sample.family, dimensions: sample.labels, factory: factory)
                    if sample.value > 0 { counter.increment(by: sample.value) }
                    table[key] = .counter(counter, last: sample.value)
                case let (.gauge, .gauge(gauge)?):
                    gauge.record(Int64(clamping: sample.value))
                case (.gauge, _):
                    let gauge = CoreMetrics.Gauge(label: sample.family, dimensions: sample.labels, factory: factory)
                    gauge.record(Int64(clamping: sample.value))
                    table[key] = .gauge(gauge)
                }
            }
            for (key, entry) in table where !seen.contains(key) {
                if case let .gauge(gauge) = entry { gauge.record(Int64(0)) }
            }
        }
        return registry.emitToBuffer()
    }
}
