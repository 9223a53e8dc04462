public import CoreMetrics
public import GyreHTTP2
import GyreModel
public import GyrePipeline
public import GyreRPC
import Synchronization

/// Every counter a node keeps, declared in one place (names are part of the stats contract), and
/// each RPC method's latency histogram.
///
/// Contract: thread-safe; counters only grow. ``reading(into:)`` adds
/// `rpc.<Service>.<Method>.<STATUS>` for every status seen at least once (Prometheus:
/// `gyre_rpc_requests_total{service,method,code}`), each method's summed latency
/// `latency_micros.<Service>.<Method>` once it has been called (Stats only: Prometheus has
/// the histogram), plus every named counter below. Latencies go to the histogram
/// `gyre_rpc_duration_seconds{service,method}` of the metrics factory given at init, with the
/// bucket bounds of ``latencyBuckets``.
public final class NodeMetrics: ServerObserver {
    /// Most methods a node's router may hold (counters are preallocated).
    static let methodCapacity = 64
    /// The upper bounds of the latency histograms' buckets (the README lists them).
    public static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]
    /// The histogram family of call latencies.
    public static let latencyFamily = "gyre_rpc_duration_seconds"

    private struct Method: Sendable {
        var service: String
        var name: String
    }

    private let factory: any MetricsFactory
    private let methods = Mutex<[Method]>([])
    /// [method index] → its latency histogram: set once by ``bind(to:)``, before any call, then
    /// read without a lock on every call.
    private let timers: [TimerSlot]
    /// [method index][status code] → count.
    private let calls: [[GyrePipeline.Counter]]
    /// [method index] → summed latency in µs.
    private let latencyMicros: [GyrePipeline.Counter]
    let unknownMethods = GyrePipeline.Counter()
    let serverDeadlines = GyrePipeline.Counter()
    let overloads = GyrePipeline.Counter()
    /// What the request pipeline counts (replica calls, repairs, forwards, refusals, …).
    public let pipeline = PipelineMetrics()
    /// What the listeners did to protect the node, one counter per ``ProtectionEvent``.
    private let protections: [GyrePipeline.Counter]

    /// - Parameter factory: where the latency histograms go: the node's own Prometheus registry
    ///   (one per node, so several nodes in one process keep theirs apart).
    public init(factory: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.factory = factory
        calls = (0..<Self.methodCapacity).map { _ in StatusCode.allCases.map { _ in GyrePipeline.Counter() } }
        latencyMicros = (0..<Self.methodCapacity).map { _ in GyrePipeline.Counter() }
        timers = (0..<Self.methodCapacity).map { _ in TimerSlot() }
        protections = ProtectionEvent.allCases.map { _ in GyrePipeline.Counter() }
    }

    /// Names the per-method counters after the routers' methods (call once they are built; their
    /// indices must be dense from 0 across the routers).
    public func bind(to routers: [RPCRouter]) {
        let registered = routers.flatMap(\.methods).sorted { $0.index < $1.index }
        precondition(registered.count <= Self.methodCapacity, "raise NodeMetrics.methodCapacity")
        precondition(registered.enumerated().allSatisfy { $0.offset == $0.element.index }, "method indices must be dense")
        for method in registered {
            timers[method.index].timer = CoreMetrics.Timer(
                label: Self.latencyFamily, dimensions: [("service", method.serviceName), ("method", method.methodName)],
                factory: factory)
        }
        methods.withLock { $0 = registered.map { Method(service: $0.serviceName, name: $0.methodName) } }
    }

    // MARK: ServerObserver

    public func callFinished(method: RegisteredMethod, code: StatusCode, nanoseconds: UInt64) {
        guard method.index < calls.count else { return }
        calls[method.index][code.rawValue].increment()
        latencyMicros[method.index].increment(by: nanoseconds / 1000)
        timers[method.index].timer?.recordNanoseconds(Int64(clamping: nanoseconds))
    }

    public func unknownMethod(path: String) { unknownMethods.increment() }
    public func deadlineExceededByServer(method: RegisteredMethod) { serverDeadlines.increment() }
    public func overloaded(path: String) { overloads.increment() }

    public func protection(_ event: ProtectionEvent) {
        protections[ProtectionEvent.allCases.firstIndex(of: event)!].increment()
    }

    // MARK: reading

    /// The count of calls to `method` (e.g. `KV.Put`) that ended with `code`.
    public func calls(_ method: String, _ code: StatusCode) -> UInt64 {
        guard let index = methods.withLock({ $0.firstIndex { "\($0.service).\($0.name)" == method } }) else { return 0 }
        return calls[index][code.rawValue].value
    }

    /// Adds every counter now to `reading`.
    public func reading(into reading: inout MetricsReading) {
        reading.counter("rpc.unknown_method", unknownMethods.value)
        reading.counter("rpc.deadline_exceeded", serverDeadlines.value)
        reading.counter("rpc.overloaded", overloads.value)
        for (name, value) in pipeline.named { reading.counter(name, value) }
        for (event, counter) in zip(ProtectionEvent.allCases, protections) {
            reading.counter("conn.\(event.name)", counter.value)
        }
        for (index, method) in methods.withLock({ $0 }).enumerated() {
            var called = false
            for code in StatusCode.allCases {
                let value = calls[index][code.rawValue].value
                guard value > 0 else { continue }
                called = true
                reading.add("rpc.\(method.service).\(method.name).\(code)", family: "gyre_rpc_requests_total",
                            labels: [("service", method.service), ("method", method.name), ("code", "\(code)")],
                            kind: .counter, value: value)
            }
            if called {
                reading.add("latency_micros.\(method.service).\(method.name)", family: "", labels: [], kind: .counter,
                            value: latencyMicros[index].value)
            }
        }
    }
}

/// One method's latency histogram. Unchecked Sendable: written once by `NodeMetrics.bind(to:)`,
/// which runs before the node's listeners start (and so happens-before every call that reads it).
private final class TimerSlot: @unchecked Sendable {
    var timer: CoreMetrics.Timer?
}
