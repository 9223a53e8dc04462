/// Which in-flight budget a method's calls draw from.
///
/// Contract: `.calls` is the ordinary budget, shared with every method of the server and limited
/// per connection; `.health` is a small separate budget, so a node that is saturated (or
/// attacked) still answers its health checks; `.longLived` is for server streams that stay open
/// (ring updates, transfers), so they neither starve nor are starved by unary calls.
public enum CallBudget: Sendable {
    case calls
    case health
    case longLived
}

/// The server's in-flight budgets, one limiter per ``CallBudget``.
///
/// Contract: the limiters may be shared between servers (one node's two listeners); a call
/// holds one slot of its method's budget from the moment its request is complete until it ends.
public struct CallBudgets: Sendable {
    public let calls: InFlightLimiter
    public let health: InFlightLimiter
    public let longLived: InFlightLimiter

    /// Health checks in flight at once, over all connections, by default.
    public static let defaultHealthLimit = 32
    /// Long-lived streams open at once, over all connections, by default.
    public static let defaultLongLivedLimit = 256

    public init(calls: InFlightLimiter, health: InFlightLimiter = InFlightLimiter(limit: defaultHealthLimit),
                longLived: InFlightLimiter = InFlightLimiter(limit: defaultLongLivedLimit)) {
        self.calls = calls
        self.health = health
        self.longLived = longLived
    }

    public func limiter(for budget: CallBudget) -> InFlightLimiter {
        switch budget {
        case .calls: calls
        case .health: health
        case .longLived: longLived
        }
    }
}
