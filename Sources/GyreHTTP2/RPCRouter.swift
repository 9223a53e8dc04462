public import GyreRPC

/// A method the server knows: its path and its handler.
///
/// Contract: `index` is the router's `firstIndex` plus the method's position in it (dense), so
/// observers can keep per-method counters in arrays.
public struct RegisteredMethod: Sendable {
    /// Handles one call: the request message (without gRPC prefix) and the call to answer on.
    /// Runs on the connection's thread; it must not block (hand blocking work elsewhere).
    public typealias Handler = @Sendable (ServerCall, [UInt8]) -> Void

    public let index: Int
    /// `/package.Service/Method`.
    public let path: String
    /// The service's short name (`KV` for `/gyre.v1.KV/Put`).
    public let serviceName: String
    /// The method's name (`Put`).
    public let methodName: String
    /// The in-flight budget its calls draw from.
    public let budget: CallBudget
    public let handler: Handler
}

/// The table of methods a server answers; anything else is UNIMPLEMENTED.
///
/// Contract: both unary and server-streaming methods receive exactly one request message;
/// a streaming handler answers with several ``ServerCall/send(_:)`` and one
/// ``ServerCall/finish(_:)``.
public struct RPCRouter: Sendable {
    public private(set) var methods: [RegisteredMethod] = []
    /// The ``RegisteredMethod/index`` of the first method (routers of one process may number
    /// their methods one after the other, so one metrics table covers them all).
    public let firstIndex: Int
    private var byPath: [String: Int] = [:]
    /// Every registered path, indexed like ``methods``, for byte-level lookup.
    public private(set) var pathTable = PathTable([])

    public init(firstIndex: Int = 0) { self.firstIndex = firstIndex }

    /// Adds a method at `path` (`/package.Service/Method`) drawing on `budget`; registering a
    /// path twice replaces it.
    public mutating func register(_ path: String, budget: CallBudget = .calls,
                                  handler: @escaping RegisteredMethod.Handler) {
        let parts = path.split(separator: "/")
        let service = parts.first.map { String($0.split(separator: ".").last ?? $0) } ?? ""
        let name = parts.count > 1 ? String(parts[1]) : ""
        if let existing = byPath[path] {
            methods[existing] = RegisteredMethod(index: firstIndex + existing, path: path, serviceName: service,
                                                 methodName: name, budget: budget, handler: handler)
            return
        }
        byPath[path] = methods.count
        methods.append(RegisteredMethod(index: firstIndex + methods.count, path: path, serviceName: service,
                                        methodName: name, budget: budget, handler: handler))
        pathTable = PathTable(methods.map(\.path))
    }

    /// The method registered at `path`, or nil.
    public func method(for path: String) -> RegisteredMethod? {
        byPath[path].map { methods[$0] }
    }
}
