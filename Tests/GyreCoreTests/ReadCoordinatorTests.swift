import GyreCore
import GyreModel
import Testing

/// The read coordinator instance driven by hand, with explicit times.
@Suite struct ReadCoordinatorTests {
    typealias Read = ReadCoordinator<WriteSet>

    @Test func asksEveryReplicaAndSchedulesTheDeadline() {
        var read = Read(replicas: [nodeA, nodeB, nodeC], r: 2, deadline: 1_000)
        #expect(read.start() == [.read(nodeA), .read(nodeB), .read(nodeC), .scheduleTimeout(at: 1_000)])
    }

    @Test func repliesAtQuorumThenRepairsTheStaleReplica() {
        var read = Read(replicas: [nodeA, nodeB, nodeC], r: 2, deadline: 1_000)
        _ = read.start()
        #expect(read.onAnswer(from: nodeA, versions: WriteSet(1)) == [])
        #expect(read.onAnswer(from: nodeB, versions: WriteSet(1)) == [.reply(.ok(merged: WriteSet(1), answered: 2, hinted: 0))])
        // The straggler knows nothing: it is repaired once everyone spoke.
        #expect(read.onAnswer(from: nodeC, versions: nil) == [.repair(nodeC, WriteSet(1)), .finished])
        #expect(read.isFinished)
        #expect(read.onTimeout(now: 2_000) == [])
    }

    @Test func stragglerWithNewerVersionsGetsEveryoneRepaired() {
        var read = Read(replicas: [nodeA, nodeB, nodeC], r: 2, deadline: 1_000)
        _ = read.start()
        _ = read.onAnswer(from: nodeA, versions: WriteSet(1))
        #expect(read.onAnswer(from: nodeB, versions: WriteSet(2)) == [.reply(.ok(merged: WriteSet(1, 2), answered: 2, hinted: 0))])
        let last = read.onAnswer(from: nodeC, versions: WriteSet(1, 2, 3))
        #expect(last == [.repair(nodeA, WriteSet(1, 2, 3)), .repair(nodeB, WriteSet(1, 2, 3)), .finished])
    }

    @Test func missingKeyEverywhereIsOkWithNothing() {
        var read = Read(replicas: [nodeA, nodeB, nodeC], r: 2, deadline: 1_000)
        _ = read.start()
        _ = read.onAnswer(from: nodeA, versions: nil)
        #expect(read.onAnswer(from: nodeB, versions: nil) == [.reply(.ok(merged: nil, answered: 2, hinted: 0))])
        #expect(read.onAnswer(from: nodeC, versions: nil) == [.finished])
    }

    @Test func failuresThatMakeQuorumImpossibleAnswerAtOnce() {
        var read = Read(replicas: [nodeA, nodeB, nodeC], r: 2, deadline: 1_000)
        _ = read.start()
        #expect(read.onFailure(from: nodeA) == [])
        #expect(read.onFailure(from: nodeB) == [.reply(.unavailable(answered: 0, required: 2))])
        #expect(read.onAnswer(from: nodeC, versions: WriteSet(4)) == [.finished])
    }

    @Test func deadlineBeforeQuorumIsUnavailable() {
        var read = Read(replicas: [nodeA, nodeB, nodeC], r: 2, deadline: 1_000)
        _ = read.start()
        _ = read.onAnswer(from: nodeA, versions: WriteSet(1))
        #expect(read.onTimeout(now: 999) == [])
        #expect(read.onTimeout(now: 1_000) == [.reply(.unavailable(answered: 1, required: 2)), .finished])
        #expect(read.onAnswer(from: nodeB, versions: WriteSet(1)) == [])
    }

    @Test func deadlineAfterReplyRepairsOnlyThoseWhoAnswered() {
        var read = Read(replicas: [nodeA, nodeB, nodeC], r: 1, deadline: 1_000)
        _ = read.start()
        #expect(read.onAnswer(from: nodeA, versions: WriteSet(1)) == [.reply(.ok(merged: WriteSet(1), answered: 1, hinted: 0))])
        _ = read.onAnswer(from: nodeB, versions: nil)
        #expect(read.onTimeout(now: 1_000) == [.repair(nodeB, WriteSet(1)), .finished])
    }

    @Test func duplicateAndUnknownAnswersAreIgnored() {
        var read = Read(replicas: [nodeA, nodeB, nodeC], r: 2, deadline: 1_000)
        _ = read.start()
        _ = read.onAnswer(from: nodeA, versions: WriteSet(1))
        #expect(read.onAnswer(from: nodeA, versions: WriteSet(9)) == [])
        #expect(read.onFailure(from: nodeA) == [])
        #expect(read.onAnswer(from: NodeID(high: 9, low: 9), versions: WriteSet(9)) == [])
        #expect(read.onAnswer(from: nodeB, versions: WriteSet(1)) == [.reply(.ok(merged: WriteSet(1), answered: 2, hinted: 0))])
    }
}
