import GyreCore
import GyreHTTP2
import GyreRPC

/// One successful answer: the response message and the node that gave it.
struct Answer: Sendable {
    let bytes: [UInt8]
    let address: String
}

extension GyreClient {
    /// The nodes a request for `key` goes to, in order: live preference-list nodes, then the
    /// next members on the ring (they coordinate with stand-ins when the key's replicas are down),
    /// then the nodes in backoff; N + 2 at most (past that, more nodes answer the same).
    func candidates(for key: [UInt8]) -> [String] {
        guard let snapshot = table.snapshot else { return [] }
        switch configuration.routing {
        case .preferenceList:
            return backoff.order(snapshot.candidates(for: key))
        case .anyNode:
            return Array(backoff.order(snapshot.allAddresses.shuffled()).prefix(snapshot.replication + 2))
        }
    }

    /// Sends one request for `key` to its candidates in turn, as ``RetryRule`` allows, within
    /// the call's deadline; returns the first OK answer or throws the error the last node gave.
    func perform(_ kind: RetryRule.RequestKind, key: [UInt8], path: String, framed: [UInt8],
                 deadline: Duration?) async throws(GyreClientError) -> Answer {
        if isClosed { throw .cancelled("the client is closed") }
        let end = ContinuousClock.now + (deadline ?? configuration.defaultDeadline)
        let candidates = candidates(for: key)
        guard !candidates.isEmpty else { throw .noRing("the client has no ring: call start() first") }
        var last: (response: ClientResponse, address: String)?
        var attempts = 0
        for (index, address) in candidates.enumerated() {
            let remaining = end - .now
            guard remaining > .zero else { break }
            // A read may give up on a silent node early and ask the next one; a write may not
            // (a write that timed out may have been applied).
            let isLast = index == candidates.count - 1
            let timeout = kind == .read && !isLast ? min(remaining, configuration.readAttemptTimeout) : remaining
            let response = await call(address: address, path: path, framed: framed, timeout: timeout)
            attempts += 1
            if response.fromServer {
                backoff.answered(address)
            } else if response.status.code != .cancelled {
                backoff.failed(address)
            }
            if response.status.code == .ok {
                guard response.messages.count == 1 else {
                    throw .server(code: StatusCode.internal.rawValue,
                                  message: "\(address) answered \(response.messages.count) messages to a unary call")
                }
                return Answer(bytes: response.messages[0], address: address)
            }
            if isClosed { throw .cancelled("the client was closed during the call") }
            last = (response, address)
            if !RetryRule.mayMoveOn(kind, after: Self.failure(of: response)) { break }
        }
        guard let last else {
            throw kind == .write ? .deadlineExceeded("the deadline passed before any node was tried (not applied)")
                                 : .deadlineExceeded("the deadline passed before any node was tried")
        }
        throw Self.error(kind, last.response, address: last.address, tried: attempts)
    }

    /// One call to one node, without a task of its own.
    func call(address: String, path: String, framed: [UInt8], timeout: Duration) async -> ClientResponse {
        let nanoseconds = max(1_000_000, Self.nanoseconds(timeout))
        return await withCheckedContinuation { continuation in
            transport.start(address: address, path: path, framedRequest: framed, timeoutNanoseconds: nanoseconds) {
                continuation.resume(returning: $0)
            }
        }
    }

    static func failure(of response: ClientResponse) -> AttemptFailure {
        let outcome = response.status.trailers[WriteAnswer.outcomeTrailer].flatMap(WriteOutcome.init(rawValue:))
        return AttemptFailure(code: response.status.code, outcome: outcome, notProcessed: response.notProcessed)
    }

    /// The typed error for a failed call, from the last node's answer.
    static func error(_ kind: RetryRule.RequestKind, _ response: ClientResponse, address: String,
                      tried: Int) -> GyreClientError {
        let status = response.status
        let message = "\(address): \(status.message)"
        switch status.code {
        case .invalidArgument, .outOfRange:
            return .invalidArgument(message)
        case .failedPrecondition:
            return .tooManySiblings(message)
        case .resourceExhausted:
            return .overloaded(message)
        default:
            break
        }
        if kind == .write, failure(of: response) == .unknown {
            let trailers = status.trailers
            return .possiblyApplied(acks: trailers[WriteAnswer.acksTrailer].flatMap { Int($0) } ?? 0,
                                    hinted: trailers[WriteAnswer.hintedTrailer].flatMap { Int($0) } ?? 0, message: message)
        }
        switch status.code {
        case .unavailable:
            return .unavailable(tried > 1 ? "\(message) (and \(tried - 1) other node\(tried == 2 ? "" : "s") tried)" : message)
        case .deadlineExceeded:
            return .deadlineExceeded(message)
        case .cancelled:
            return .cancelled(message)
        default:
            return .server(code: status.code.rawValue, message: message)
        }
    }
}
