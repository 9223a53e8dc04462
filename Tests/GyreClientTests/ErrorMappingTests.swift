@testable import GyreClient
import GyreCore
import GyreHTTP2
import GyreRPC
import Testing

/// How a node's answer becomes a ``GyreClientError``: possibly-applied writes are their own case.
@Suite struct ErrorMappingTests {
    static func response(_ code: StatusCode, trailers: [(String, String)] = [], fromServer: Bool = true,
                         notProcessed: Bool = false) -> ClientResponse {
        var metadata = Metadata()
        for (name, value) in trailers { metadata.add(name, value) }
        return ClientResponse(status: RPCStatus(code: code, message: "m", trailers: metadata), notProcessed: notProcessed,
                              fromServer: fromServer)
    }

    @Test func aWriteShortOfQuorumThatReachedAReplicaIsPossiblyAppliedWithItsAcks() {
        let answer = Self.response(.unavailable, trailers: [("gyre-acks", "1"), ("gyre-outcome", "possibly-applied"),
                                                            ("gyre-hinted", "1")])
        #expect(GyreClient.error(.write, answer, address: "a", tried: 1) == .possiblyApplied(acks: 1, hinted: 1, message: "a: m"))
        #expect(!RetryRuleCheck.mayMoveOn(.write, answer))
    }

    @Test func aWriteTheNodeDidNotApplyIsUnavailableAndMayMoveOn() {
        let answer = Self.response(.unavailable, trailers: [("gyre-acks", "0"), ("gyre-outcome", "not-applied")])
        #expect(GyreClient.error(.write, answer, address: "a", tried: 1) == .unavailable("a: m"))
        #expect(RetryRuleCheck.mayMoveOn(.write, answer))
    }

    @Test func aWriteWithoutAnAnswerInTimeIsPossiblyApplied() {
        let answer = Self.response(.deadlineExceeded, fromServer: false)
        #expect(GyreClient.error(.write, answer, address: "a", tried: 1) == .possiblyApplied(acks: 0, hinted: 0, message: "a: m"))
        #expect(GyreClient.error(.read, answer, address: "a", tried: 1) == .deadlineExceeded("a: m"))
        #expect(RetryRuleCheck.mayMoveOn(.read, answer))
    }

    @Test func aRefusedConnectionIsNotAppliedAndMayMoveOn() {
        let answer = Self.response(.unavailable, fromServer: false, notProcessed: true)
        #expect(GyreClient.error(.write, answer, address: "a", tried: 3) == .unavailable("a: m (and 2 other nodes tried)"))
        #expect(RetryRuleCheck.mayMoveOn(.write, answer))
    }

    @Test func requestErrorsAreTheSameOnEveryNode() {
        #expect(GyreClient.error(.write, Self.response(.invalidArgument), address: "a", tried: 1) == .invalidArgument("a: m"))
        #expect(GyreClient.error(.write, Self.response(.failedPrecondition), address: "a", tried: 1) == .tooManySiblings("a: m"))
        #expect(GyreClient.error(.read, Self.response(.resourceExhausted), address: "a", tried: 1) == .overloaded("a: m"))
        #expect(!RetryRuleCheck.mayMoveOn(.read, Self.response(.invalidArgument)))
    }
}

/// The client's retry decision for one answer.
enum RetryRuleCheck {
    static func mayMoveOn(_ kind: RetryRule.RequestKind, _ response: ClientResponse) -> Bool {
        RetryRule.mayMoveOn(kind, after: GyreClient.failure(of: response))
    }
}
