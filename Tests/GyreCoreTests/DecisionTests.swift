import GyreCore
import GyreModel
import GyreRPC
import Testing

/// The shared decisions: where a key lives, coordinate or forward, when an attempt may move on,
/// how a write's outcome and a too-short deadline are answered.
@Suite struct DecisionTests {
    private let ring = Ring.claim(members: [nodeA, nodeB, nodeC, NodeID(high: 0, low: 4)].map { Member(id: $0) },
                                  partitionCount: 16)

    @Test func placementIsThePartitionAndItsPreferenceList() {
        let key = Key("k1")
        let placement = KeyPlacement(key: key, ring: ring, replication: 3)
        #expect(placement.partition == ring.partition(for: key))
        #expect(placement.replicas == ring.preferenceList(partition: placement.partition, n: 3))
        #expect(Set(placement.replicas).count == 3)
    }

    @Test func replicasCoordinateOthersForwardOnceThenRefuse() {
        let placement = KeyPlacement(key: Key("k1"), ring: ring, replication: 3)
        let outsider = ring.members.map(\.id).first { !placement.replicas.contains($0) }!
        #expect(placement.route(at: placement.replicas[1], hops: 0) == .coordinate)
        #expect(placement.route(at: placement.replicas[1], hops: 1) == .coordinate)
        #expect(placement.route(at: outsider, hops: 0) == .forward(placement.replicas))
        #expect(placement.route(at: outsider, hops: 1) == .misrouted)
    }

    @Test func readsAlwaysMoveOnWritesOnlyWhenCertainlyNotApplied() {
        for failure in [AttemptFailure.notProcessed, .notApplied, .unknown] {
            #expect(RetryRule.mayMoveOn(.read, after: failure))
        }
        #expect(RetryRule.mayMoveOn(.write, after: .notProcessed))
        #expect(RetryRule.mayMoveOn(.write, after: .notApplied))
        #expect(!RetryRule.mayMoveOn(.write, after: .unknown))
        #expect(!RetryRule.mayMoveOn(.read, after: .final))
        #expect(!RetryRule.mayMoveOn(.write, after: .final))
    }

    @Test func failuresAreClassifiedByTransportCodeAndOutcome() {
        #expect(AttemptFailure(code: .unavailable, outcome: .possiblyApplied, notProcessed: true) == .notProcessed)
        #expect(AttemptFailure(code: .unavailable, outcome: .notApplied, notProcessed: false) == .notApplied)
        #expect(AttemptFailure(code: .unavailable, outcome: .possiblyApplied, notProcessed: false) == .unknown)
        #expect(AttemptFailure(code: .deadlineExceeded, outcome: nil, notProcessed: false) == .unknown)
        // A response dropped for an unread backlog was processed: RESOURCE_EXHAUSTED says nothing.
        #expect(AttemptFailure(code: .resourceExhausted, outcome: nil, notProcessed: false) == .unknown)
        #expect(AttemptFailure(code: .invalidArgument, outcome: nil, notProcessed: false) == .final)
        #expect(AttemptFailure(code: .failedPrecondition, outcome: .notApplied, notProcessed: false) == .final)
        let refused = WriteAnswer.refused(.unavailable, "forming")
        #expect(AttemptFailure(refused, notProcessed: false) == .notApplied)
    }

    @Test func writeFailuresCarryAcksAndOutcome() {
        let error = WriteAnswer.shortOfQuorum(acks: 1, w: 2, outcome: .possiblyApplied)
        #expect(error.code == .unavailable)
        #expect(error.trailers["gyre-acks"] == "1")
        #expect(error.trailers["gyre-outcome"] == "possibly-applied")
        let short = WriteAnswer.deadlineTooShort(remaining: 1_000_000, margin: 5_000_000)
        #expect(short.code == .deadlineExceeded)
        #expect(short.trailers["gyre-outcome"] == "not-applied")
        #expect(ReadAnswer.deadlineTooShort(remaining: 0, margin: 5_000_000).code == .deadlineExceeded)
    }

    @Test func aDeadlineWithinTheMarginLeavesNoTime() {
        let timing = CoordinatorTiming(replicaTimeout: 1_000_000_000, margin: 5_000_000)
        #expect(timing.timeLeft(now: 100, clientDeadline: nil))
        #expect(!timing.timeLeft(now: 100, clientDeadline: 100 + 1_000_000))
        #expect(!timing.timeLeft(now: 100, clientDeadline: 100 + 5_000_000))
        #expect(timing.timeLeft(now: 100, clientDeadline: 100 + 5_000_001))
        #expect(timing.remaining(now: 100, clientDeadline: 50) == 0)
    }
}

/// Installing a ring: placement is versioned by the epoch, member data by its own version.
@Suite struct RingInstallTests {
    private let members = [nodeA, nodeB, nodeC].map { Member(id: $0, peerAddress: "127.0.0.1:1") }

    private func ring(epoch: UInt64 = 1, members: [Member]? = nil) -> Ring {
        Ring.claim(members: members ?? self.members, partitionCount: 16, epoch: epoch)
    }

    @Test func aFirstRingInstalls() {
        #expect(RingInstall.decide(installed: nil, membersVersion: 0, proposed: ring()) == .install(membersVersion: 1))
    }

    @Test func anOlderPlacementIsRefused() {
        #expect(RingInstall.decide(installed: ring(epoch: 2), membersVersion: 1, proposed: ring(epoch: 1))
                    == .refuse(.older(installed: 2, proposed: 1)))
    }

    @Test func anotherPlacementAtTheSameEpochIsRefused() {
        let other = ring(members: members + [Member(id: NodeID(high: 0, low: 9))])
        #expect(RingInstall.decide(installed: ring(), membersVersion: 1, proposed: other) == .refuse(.conflicting(epoch: 1)))
    }

    @Test func anAddressChangeKeepsTheEpochAndMovesTheMembersVersion() {
        var moved = members
        moved[0].peerAddress = "127.0.0.1:2"
        #expect(RingInstall.decide(installed: ring(), membersVersion: 3, proposed: ring(members: moved))
                    == .install(membersVersion: 4))
        #expect(RingInstall.decide(installed: ring(), membersVersion: 3, proposed: ring()) == .unchanged)
        #expect(RingInstall.decide(installed: ring(), membersVersion: 3, proposed: ring(epoch: 2)) == .install(membersVersion: 3))
    }
}
