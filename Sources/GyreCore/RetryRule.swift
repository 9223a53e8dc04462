public import GyreRPC

/// Whether a request that failed at one node may be tried at another: reads always may; a write
/// only when the failed attempt certainly did not apply it, so a retry never applies a write
/// twice. Forwarding nodes and clients follow this one rule.
public enum RetryRule {
    /// A read or a write (put or delete).
    public enum RequestKind: Sendable, Equatable {
        case read
        case write
    }

    public static func mayMoveOn(_ kind: RequestKind, after failure: AttemptFailure) -> Bool {
        switch (kind, failure) {
        case (_, .final): false
        case (.read, _): true
        case (.write, .notProcessed), (.write, .notApplied): true
        case (.write, .unknown): false
        }
    }
}

/// What a failed attempt at one node says about whether it took effect.
public enum AttemptFailure: Sendable, Equatable {
    /// The request never reached a handler: connection refused, or the stream was refused or
    /// came after the node's GOAWAY.
    case notProcessed
    /// The node answered and says it applied nothing (`gyre-outcome: not-applied`).
    case notApplied
    /// It may have taken effect: no answer in time, a broken connection, `possibly-applied`,
    /// or an answer that does not say.
    case unknown
    /// An answer every node would give (the request itself is wrong or refused by a rule):
    /// moving on changes nothing.
    case final

    /// Answers that depend on the request, not on the node that gave them.
    public static let finalCodes: Set<StatusCode> = [
        .invalidArgument, .failedPrecondition, .outOfRange, .alreadyExists, .notFound, .permissionDenied,
        .unauthenticated, .unimplemented,
    ]

    /// Classifies a failed call: its status, its `gyre-outcome` trailer if any, and whether the
    /// transport knows it was never processed.
    public init(code: StatusCode, outcome: WriteOutcome?, notProcessed: Bool) {
        if notProcessed {
            self = .notProcessed
        } else if Self.finalCodes.contains(code) {
            self = .final
        } else if outcome == .notApplied {
            self = .notApplied
        } else {
            self = .unknown
        }
    }

    /// Classifies `error` by its code and `gyre-outcome` trailer.
    public init(_ error: RPCError, notProcessed: Bool) {
        self.init(code: error.code, outcome: error.trailers[WriteAnswer.outcomeTrailer].flatMap(WriteOutcome.init(rawValue:)),
                  notProcessed: notProcessed)
    }
}
