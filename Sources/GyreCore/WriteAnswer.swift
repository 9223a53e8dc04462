public import GyreRPC

/// How a write's outcome is told to whoever asked (a client, or the node that forwarded to us):
/// the status and the `gyre-acks` / `gyre-outcome` trailers.
///
/// Contract: every failed write that may have reached a replica says `possibly-applied`; one that
/// certainly did not says `not-applied`, which is what lets ``RetryRule`` move a write on.
public enum WriteAnswer {
    public static let acksTrailer = "gyre-acks"
    public static let outcomeTrailer = "gyre-outcome"

    /// A failed write: `code` (UNAVAILABLE unless said otherwise) with the acknowledgements so far
    /// and what they imply.
    public static func failure(_ message: String, code: StatusCode = .unavailable, acks: Int,
                               outcome: WriteOutcome) -> RPCError {
        var trailers = Metadata()
        trailers.addLowercased(acksTrailer, String(acks))
        trailers.addLowercased(outcomeTrailer, outcome.rawValue)
        return RPCError(code, message, trailers: trailers)
    }

    /// A coordinated write that ended short of W (see ``WriteReply/unavailable(acks:outcome:)``).
    public static func shortOfQuorum(acks: Int, w: Int, outcome: WriteOutcome) -> RPCError {
        failure("only \(acks) of the \(w) replicas needed (W) acknowledged in time", acks: acks, outcome: outcome)
    }

    /// A write refused before anything was stored (`code` says why: a cap, a ring that moved).
    public static func refused(_ code: StatusCode, _ message: String) -> RPCError {
        failure(message, code: code, acks: 0, outcome: .notApplied)
    }

    /// The deadline left no time to coordinate: nothing was started, so nothing was applied.
    public static func deadlineTooShort(remaining: UInt64, margin: UInt64) -> RPCError {
        failure(deadlineTooShortMessage(remaining: remaining, margin: margin), code: .deadlineExceeded, acks: 0,
                outcome: .notApplied)
    }

    static func deadlineTooShortMessage(remaining: UInt64, margin: UInt64) -> String {
        "the deadline leaves \(remaining / 1_000) µs, less than the coordinator keeps back to answer "
            + "(\(margin / 1_000) µs): nothing was started"
    }
}

/// How a read is answered when its deadline leaves no time to coordinate.
public enum ReadAnswer {
    public static func deadlineTooShort(remaining: UInt64, margin: UInt64) -> RPCError {
        RPCError(.deadlineExceeded, WriteAnswer.deadlineTooShortMessage(remaining: remaining, margin: margin))
    }

    /// A read that heard from fewer than R replicas in time.
    public static func shortOfQuorum(answered: Int, r: Int) -> RPCError {
        RPCError(.unavailable, "only \(answered) of the \(r) replicas needed (R) answered in time")
    }
}
