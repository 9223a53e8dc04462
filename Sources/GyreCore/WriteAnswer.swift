public import GyreRPC

/// How a write's outcome is told to whoever asked (a client, or the node that forwarded to us):
/// the status and the `gyre-acks` / `gyre-outcome` trailers.
///
/// Contract: every failed write that may have reached a replica says `possibly-applied`; one that
/// certainly did not says `not-applied`, which is what lets ``RetryRule`` move a write on.
public enum WriteAnswer {
    public static let acksTrailer = "gyre-acks"
    public static let outcomeTrailer = "gyre-outcome"
    /// How many of `gyre-acks` were hints (fallbacks standing in for replicas); sent when not 0.
    public static let hintedTrailer = "gyre-hinted"

    /// A failed write: `code` (UNAVAILABLE unless said otherwise) with the acknowledgements so far
    /// and what they imply.
    public static func failure(_ message: String, code: StatusCode = .unavailable, acks: Int, hinted: Int = 0,
                               outcome: WriteOutcome) -> RPCError {
        var trailers = Metadata()
        trailers.addLowercased(acksTrailer, String(acks))
        trailers.addLowercased(outcomeTrailer, outcome.rawValue)
        if hinted > 0 { trailers.addLowercased(hintedTrailer, String(hinted)) }
        return RPCError(code, message, trailers: trailers)
    }

    /// A coordinated write that ended short of W (see ``WriteReply/unavailable(acks:hinted:outcome:)``).
    public static func shortOfQuorum(acks: Int, hinted: Int = 0, w: Int, strict: Bool = false, outcome: WriteOutcome) -> RPCError {
        let what = strict ? "of the key's replicas (strict quorum)" : "replicas"
        let hints = hinted > 0 ? ", \(hinted) of them hints" : ""
        return failure("only \(acks) of the \(w) \(what) needed (W) acknowledged in time\(hints)", acks: acks,
                       hinted: hinted, outcome: outcome)
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
