public import GyreHTTP2
public import GyreModel
public import GyrePipeline
public import GyreRPC
import Synchronization

/// Every counter a node keeps, declared in one place (names are part of the stats contract).
///
/// Contract: thread-safe; counters only grow. ``snapshot(nodeID:gauges:)`` lists
/// `rpc.<Service>.<Method>.<STATUS>` for every status seen at least once, plus every named
/// counter below, sorted by name.
public final class NodeMetrics: ServerObserver {
    /// Most methods a node's router may hold (counters are preallocated).
    static let methodCapacity = 64
    private let methodNames = Mutex<[String]>([])
    /// [method index][status code] → count.
    private let calls: [[Counter]]
    let unknownMethods = Counter()
    let serverDeadlines = Counter()
    let overloads = Counter()
    /// What the request pipeline counts (replica calls, repairs, forwards, refusals, …).
    public let pipeline = PipelineMetrics()
    /// What the listeners did to protect the node, one counter per ``ProtectionEvent``.
    private let protections: [Counter]

    public init() {
        calls = (0..<Self.methodCapacity).map { _ in StatusCode.allCases.map { _ in Counter() } }
        protections = ProtectionEvent.allCases.map { _ in Counter() }
    }

    /// Names the per-method counters after the routers' methods (call once they are built; their
    /// indices must be dense from 0 across the routers).
    public func bind(to routers: [RPCRouter]) {
        let methods = routers.flatMap(\.methods).sorted { $0.index < $1.index }
        precondition(methods.count <= Self.methodCapacity, "raise NodeMetrics.methodCapacity")
        precondition(methods.enumerated().allSatisfy { $0.offset == $0.element.index }, "method indices must be dense")
        methodNames.withLock { $0 = methods.map { "rpc.\($0.serviceName).\($0.methodName)" } }
    }

    // MARK: ServerObserver

    public func callFinished(method: RegisteredMethod, code: StatusCode) {
        guard method.index < calls.count else { return }
        calls[method.index][code.rawValue].increment()
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
        guard let index = methodNames.withLock({ $0.firstIndex(of: "rpc.\(method)") }) else { return 0 }
        return calls[index][code.rawValue].value
    }

    /// Every counter now, plus the gauges given, sorted by name.
    public func snapshot(nodeID: String, gauges: [(String, UInt64)]) -> NodeStats {
        var counters: [NodeStats.Counter] = [
            .init(name: "rpc.unknown_method", value: unknownMethods.value),
            .init(name: "rpc.deadline_exceeded", value: serverDeadlines.value),
            .init(name: "rpc.overloaded", value: overloads.value),
        ]
        for (name, value) in pipeline.named { counters.append(.init(name: name, value: value)) }
        for (event, counter) in zip(ProtectionEvent.allCases, protections) {
            counters.append(.init(name: "conn.\(event.name)", value: counter.value))
        }
        for (index, name) in methodNames.withLock({ $0 }).enumerated() {
            for code in StatusCode.allCases {
                let value = calls[index][code.rawValue].value
                if value > 0 { counters.append(.init(name: "\(name).\(code)", value: value)) }
            }
        }
        for (name, value) in gauges { counters.append(.init(name: name, value: value)) }
        counters.sort { $0.name < $1.name }
        return NodeStats(nodeID: nodeID, counters: counters)
    }
}
