import GyreCore
import GyreModel
import Testing

/// The write coordinator instance driven by hand: quorum, stragglers, the outcome classification.
@Suite struct WriteCoordinatorTests {
    typealias Write = WriteCoordinator<WriteSet>

    func make(w: Int, localApplied: Bool = true) -> Write {
        Write(coordinator: nodeA, others: [nodeB, nodeC], w: w, version: WriteSet(7), localApplied: localApplied, deadline: 500)
    }

    @Test func sendsToTheOthersAndRepliesAtQuorum() {
        var write = make(w: 2)
        #expect(write.start() == [.write(nodeB, WriteSet(7)), .write(nodeC, WriteSet(7)), .scheduleTimeout(at: 500)])
        #expect(write.onAck(from: nodeC) == [.reply(.ok(acks: 2, hinted: 0))])
        #expect(write.onAck(from: nodeB) == [.finished])
        #expect(write.lateAcks == 1)
    }

    @Test func wOfOneRepliesAtOnceButStillSends() {
        var write = make(w: 1)
        #expect(write.start() == [.write(nodeB, WriteSet(7)), .write(nodeC, WriteSet(7)), .scheduleTimeout(at: 500),
                                  .reply(.ok(acks: 1, hinted: 0))])
    }

    @Test func failuresGiveUnavailablePossiblyApplied() {
        var write = make(w: 3)
        _ = write.start()
        _ = write.onAck(from: nodeB)
        #expect(write.onFailure(from: nodeC) == [.reply(.unavailable(acks: 2, hinted: 0, outcome: .possiblyApplied)),
                                                  .keepHint(owner: nodeC, WriteSet(7)), .finished])
    }

    @Test func timeoutWithOnlyTheLocalWriteIsPossiblyApplied() {
        var write = make(w: 2)
        _ = write.start()
        #expect(write.onTimeout(now: 499) == [])
        #expect(write.onTimeout(now: 500) == [.reply(.unavailable(acks: 1, hinted: 0, outcome: .possiblyApplied)),
                                              .keepHint(owner: nodeB, WriteSet(7)), .keepHint(owner: nodeC, WriteSet(7)), .finished])
        #expect(write.onAck(from: nodeB) == [])
    }

    @Test func nothingAppliedAnywhereIsNotApplied() {
        var write = make(w: 2, localApplied: false)
        _ = write.start()
        // With nothing applied locally, one failure already leaves too few replicas for W=2.
        #expect(write.onFailure(from: nodeB) == [.reply(.unavailable(acks: 0, hinted: 0, outcome: .notApplied))])
        #expect(write.onFailure(from: nodeC) == [.finished])
    }

    @Test func lateAckAfterFailureReplyIsCounted() {
        var write = make(w: 3)
        _ = write.start()
        #expect(write.onFailure(from: nodeB) == [.reply(.unavailable(acks: 1, hinted: 0, outcome: .possiblyApplied))])
        #expect(write.onAck(from: nodeC) == [.keepHint(owner: nodeB, WriteSet(7)), .finished])
        #expect(write.acknowledgements == 2)
        #expect(write.lateAcks == 1)
    }

    @Test func singleReplicaClusterFinishesInStart() {
        var write = Write(coordinator: nodeA, others: [], w: 1, version: WriteSet(1), localApplied: true, deadline: 10)
        #expect(write.start() == [.scheduleTimeout(at: 10), .reply(.ok(acks: 1, hinted: 0)), .finished])
    }
}

/// When a coordinator stops waiting.
@Suite struct CoordinatorTimingTests {
    @Test func earlierOfClientDeadlineLessMarginAndReplicaTimeout() {
        let timing = CoordinatorTiming(replicaTimeout: 1_000, margin: 10)
        #expect(timing.waitDeadline(now: 100, clientDeadline: nil) == 1_100)
        #expect(timing.waitDeadline(now: 100, clientDeadline: 500) == 490)
        #expect(timing.waitDeadline(now: 100, clientDeadline: 5_000) == 1_100)
        #expect(timing.waitDeadline(now: 100, clientDeadline: 105) == 100)
    }
}
