import GyreCore
import GyreModel
import Testing

/// The write coordinator's sloppy quorum: fallbacks stand in for replicas that are down or fail,
/// their acknowledgements count (and are reported) unless the quorum is strict.
@Suite struct SloppyQuorumTests {
    typealias Write = WriteCoordinator<WriteSet>
    let v = WriteSet(7)

    func make(w: Int = 2, down: Set<NodeID> = [], strict: Bool = false) -> Write {
        Write(coordinator: nodeA, others: [nodeB, nodeC], fallbacks: [nodeD, nodeE], down: down, strict: strict, w: w,
              version: v, localApplied: true, deadline: 500)
    }

    @Test func downReplicasAreWrittenThroughFallbacksAtOnce() {
        var write = make(w: 3, down: [nodeB, nodeC])
        #expect(write.start() == [.hint(nodeD, owner: nodeB, v), .hint(nodeE, owner: nodeC, v), .scheduleTimeout(at: 500)])
        #expect(write.onAck(from: nodeD) == [])
        #expect(write.onAck(from: nodeE) == [.reply(.ok(acks: 3, hinted: 2)), .finished])
    }

    @Test func aFailedReplicaIsHandedToTheNextFallback() {
        var write = make()
        _ = write.start()
        #expect(write.onFailure(from: nodeB) == [.hint(nodeD, owner: nodeB, v)])
        #expect(write.onAck(from: nodeD) == [.reply(.ok(acks: 2, hinted: 1))])
        #expect(write.onAck(from: nodeC) == [.finished])
        #expect(write.acknowledgements == 3)
        #expect(write.hintedAcknowledgements == 1)
    }

    @Test func aFailedFallbackIsReplacedByTheNextOne() {
        var write = make(down: [nodeB])
        _ = write.start()
        #expect(write.onFailure(from: nodeD) == [.hint(nodeE, owner: nodeB, v)])
        #expect(write.onFailure(from: nodeC) == [])
        #expect(write.onAck(from: nodeE) == [.reply(.ok(acks: 2, hinted: 1)), .keepHint(owner: nodeC, v), .finished])
    }

    @Test func runningOutOfFallbacksIsUnavailablePossiblyApplied() {
        var write = make(w: 3, down: [nodeB])
        _ = write.start()
        #expect(write.onFailure(from: nodeD) == [.hint(nodeE, owner: nodeB, v)])
        #expect(write.onFailure(from: nodeE) == [.reply(.unavailable(acks: 1, hinted: 0, outcome: .possiblyApplied))])
        #expect(write.onAck(from: nodeC) == [.keepHint(owner: nodeB, v), .finished])
        #expect(write.lateAcks == 1)
    }

    @Test func aStrictQuorumNeverWritesAFallback() {
        var write = make(down: [nodeB], strict: true)
        #expect(write.start() == [.write(nodeB, v), .write(nodeC, v), .scheduleTimeout(at: 500)])
        #expect(write.onFailure(from: nodeB) == [])
        #expect(write.onFailure(from: nodeC) == [.reply(.unavailable(acks: 1, hinted: 0, outcome: .possiblyApplied)),
                                                  .keepHint(owner: nodeB, v), .keepHint(owner: nodeC, v), .finished])
    }

    @Test func aReplicaThatFailsAfterTheReplyStillGetsAHint() {
        var write = make()
        _ = write.start()
        #expect(write.onAck(from: nodeB) == [.reply(.ok(acks: 2, hinted: 0))])
        #expect(write.onFailure(from: nodeC) == [.hint(nodeD, owner: nodeC, v)])
        #expect(write.onAck(from: nodeD) == [.finished])
    }

    @Test func aFallbackAnswersOnlyOnce() {
        var write = make(down: [nodeB])
        _ = write.start()
        #expect(write.onAck(from: nodeD) == [.reply(.ok(acks: 2, hinted: 1))])
        #expect(write.onAck(from: nodeD) == [])
        #expect(write.onFailure(from: nodeD) == [])
        #expect(write.acknowledgements == 2)
    }

    @Test func fallbacksNeverIncludeTheReplicasOrTheCoordinator() {
        var write = Write(coordinator: nodeA, others: [nodeB, nodeC], fallbacks: [nodeA, nodeC, nodeD], down: [nodeB],
                          w: 2, version: v, localApplied: true, deadline: 500)
        #expect(write.start() == [.hint(nodeD, owner: nodeB, v), .write(nodeC, v), .scheduleTimeout(at: 500)])
    }

    @Test func aCoordinatorThatIsNotAReplicaCountsItsOwnWriteAsAHint() {
        var write = Write(coordinator: nodeD, others: [nodeB, nodeC], fallbacks: [nodeE], down: [nodeB, nodeC],
                          w: 2, version: v, localApplied: true, localIsHint: true, deadline: 500)
        #expect(write.start() == [.hint(nodeE, owner: nodeB, v), .scheduleTimeout(at: 500)])
        #expect(write.onAck(from: nodeE) == [.reply(.ok(acks: 2, hinted: 2)), .keepHint(owner: nodeC, v), .finished])
    }

    @Test func theDeadlineEndsEveryAttempt() {
        var write = make(w: 3, down: [nodeB])
        _ = write.start()
        #expect(write.onTimeout(now: 500) == [.reply(.unavailable(acks: 1, hinted: 0, outcome: .possiblyApplied)),
                                              .keepHint(owner: nodeB, v), .keepHint(owner: nodeC, v), .finished])
        #expect(write.onFailure(from: nodeD) == [])
    }
}

/// The read coordinator's sloppy quorum: fallbacks answer from their hints for replicas that are
/// down or fail, and count toward R; only replicas are repaired.
@Suite struct SloppyReadTests {
    typealias Read = ReadCoordinator<WriteSet>

    func make(r: Int = 2, down: Set<NodeID> = []) -> Read {
        Read(replicas: [nodeA, nodeB, nodeC], fallbacks: [nodeD, nodeE], down: down, r: r, deadline: 500)
    }

    @Test func downReplicasAreReadThroughFallbacks() {
        var read = make(down: [nodeB, nodeC])
        #expect(read.start() == [.read(nodeA), .readHints(nodeD), .readHints(nodeE), .scheduleTimeout(at: 500)])
        #expect(read.onAnswer(from: nodeD, versions: WriteSet(9)) == [])
        #expect(read.onAnswer(from: nodeA, versions: WriteSet(7)) == [.reply(.ok(merged: WriteSet(7, 9), answered: 2, hinted: 1))])
        // The replica is repaired; the fallbacks are not.
        #expect(read.onAnswer(from: nodeE, versions: nil) == [.repair(nodeA, WriteSet(7, 9)), .finished])
    }

    @Test func aFailedReplicaIsReplacedByAFallback() {
        var read = make()
        _ = read.start()
        #expect(read.onFailure(from: nodeB) == [.readHints(nodeD)])
        #expect(read.onFailure(from: nodeD) == [.readHints(nodeE)])
        #expect(read.onAnswer(from: nodeE, versions: WriteSet(1)) == [])
        #expect(read.onFailure(from: nodeC) == [])
        #expect(read.onAnswer(from: nodeA, versions: WriteSet(1)) == [.reply(.ok(merged: WriteSet(1), answered: 2, hinted: 1)), .finished])
    }

    @Test func withoutFallbacksLeftItIsUnavailable() {
        var read = make(r: 3, down: [nodeA, nodeB])
        _ = read.start()
        #expect(read.onFailure(from: nodeD) == [.reply(.unavailable(answered: 0, required: 3))])
    }

    @Test func fallbacksAloneWaitForAReplicaThatMayStillAnswer() {
        var read = make(r: 1, down: [nodeB, nodeC])
        _ = read.start()
        #expect(read.onAnswer(from: nodeD, versions: nil) == [])
        #expect(read.onAnswer(from: nodeA, versions: WriteSet(3)) == [.reply(.ok(merged: WriteSet(3), answered: 2, hinted: 1))])
        var failed = make(r: 1, down: [nodeB, nodeC])
        _ = failed.start()
        #expect(failed.onAnswer(from: nodeD, versions: WriteSet(4)) == [])
        // The replica failed: the fallbacks' answer is all there is.
        #expect(failed.onFailure(from: nodeA) == [.reply(.ok(merged: WriteSet(4), answered: 1, hinted: 1))])
    }

    @Test func noFallbackIsAskedOnceTheReadWasAnswered() {
        var read = make()
        _ = read.start()
        _ = read.onAnswer(from: nodeA, versions: nil)
        #expect(read.onAnswer(from: nodeB, versions: nil) == [.reply(.ok(merged: nil, answered: 2, hinted: 0))])
        #expect(read.onFailure(from: nodeC) == [.finished])
    }
}
