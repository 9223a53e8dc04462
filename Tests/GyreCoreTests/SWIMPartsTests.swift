@testable import GyreCore
import GyreModel
import GyreTestKit
import Testing

/// The SWIM instance's parts: status order, Lifeguard's suspicion timeout, the gossip queue, the
/// probe order and the random draws.
@Suite struct SWIMPartsTests {
    @Test func statusOrderIsIncarnationThenAliveSuspectDead() {
        let ordered: [MemberStatus] = [.alive(0), .suspect(0), .dead(0), .alive(1), .suspect(1), .dead(1), .alive(2)]
        for (index, status) in ordered.enumerated() {
            for (otherIndex, other) in ordered.enumerated() {
                #expect(status.overrides(other) == (index > otherIndex), "\(status) vs \(other)")
            }
        }
    }

    @Test func suspicionTimeoutFallsFromMaxToMinWithConfirmations() {
        let timeouts = (0...4).map { SuspicionTimeout.timeout(min: 3_000, max: 9_000, confirmations: $0, expected: 3) }
        #expect(timeouts == [9_000, 6_000, 4_246, 3_000, 3_000])
        #expect(SuspicionTimeout.timeout(min: 3_000, max: 9_000, confirmations: 0, expected: 0) == 3_000)
        #expect(SuspicionTimeout.timeout(min: 5, max: 5, confirmations: 1, expected: 3) == 5)
        #expect(SuspicionTimeout.expectedConfirmations(3, members: 2) == 0)
        #expect(SuspicionTimeout.expectedConfirmations(3, members: 4) == 2)
        #expect(SuspicionTimeout.expectedConfirmations(3, members: 50) == 3)
    }

    @Test func binaryLogarithmIsExactOnPowersAndCloseElsewhere() {
        for power in 0..<20 { #expect(SuspicionTimeout.log2(Double(1 << power)) == Double(power)) }
        #expect(abs(SuspicionTimeout.log2(3) - 1.584962500721156) < 1e-12)
        #expect(abs(SuspicionTimeout.log2(10) - 3.321928094887362) < 1e-12)
    }

    @Test func transmitLimitIsLambdaTimesLogN() {
        #expect(GossipQueue.transmitLimit(multiplier: 3, members: 1) == 3)
        #expect(GossipQueue.transmitLimit(multiplier: 3, members: 3) == 6)
        #expect(GossipQueue.transmitLimit(multiplier: 3, members: 4) == 9)
        #expect(GossipQueue.transmitLimit(multiplier: 3, members: 7) == 9)
        #expect(GossipQueue.transmitLimit(multiplier: 3, members: 8) == 12)
    }

    @Test func gossipQueueSendsLeastSentThenNewestAndDropsAtTheLimit() {
        var queue = GossipQueue()
        queue.enqueue(nodeA)
        queue.enqueue(nodeB)
        #expect(queue.take(1, skipping: nil, limit: 2) == [nodeB])
        #expect(queue.take(2, skipping: nil, limit: 2) == [nodeA, nodeB])  // B reached the limit
        queue.enqueue(nodeC)
        #expect(queue.take(3, skipping: nil, limit: 2) == [nodeC, nodeA])  // A reached it too
        #expect(queue.take(3, skipping: nodeC, limit: 2) == [])
        #expect(queue.members == [nodeC])
        queue.enqueue(nodeC)  // news again: its count restarts
        #expect(queue.take(3, skipping: nil, limit: 2) == [nodeC])
        #expect(queue.take(3, skipping: nil, limit: 2) == [nodeC])
        #expect(queue.members.isEmpty)
    }

    @Test func probeOrderVisitsEveryMemberOncePerRoundWhateverTheSeed() {
        let members = (1...7).map { NodeID(high: 1, low: UInt64($0)) }
        for seed in 0..<50 as Range<UInt64> {
            var random = SeededRandom(seed: seed)
            var order = ProbeOrder()
            order.reset(members, using: &random)
            for _ in 0..<4 {
                let round = (0..<members.count).compactMap { _ in order.next(using: &random) }
                #expect(Set(round) == Set(members), "seed \(seed)")
            }
        }
    }

    @Test func probeOrderInsertAndRemoveNeitherSkipNorRepeat() {
        var random = SeededRandom(seed: 11)
        var order = ProbeOrder()
        order.reset([nodeA, nodeB, nodeC], using: &random)
        let first = order.next(using: &random)!
        order.remove(first)  // already visited
        order.insert(nodeD, using: &random)
        var rest: [NodeID] = []
        while order.position < order.order.count { rest.append(order.next(using: &random)!) }
        let visited = [first] + rest
        #expect(Set(visited).isSuperset(of: [nodeA, nodeB, nodeC]))
        #expect(visited.count == Set(visited).count)
    }

    @Test func randomDrawsDependOnlyOnTheGenerator() {
        var one = SeededRandom(seed: 5), two = SeededRandom(seed: 5)
        var a = Array(0..<20), b = Array(0..<20)
        RandomDraw.shuffle(&a, using: &one)
        RandomDraw.shuffle(&b, using: &two)
        #expect(a == b)
        #expect(a.sorted() == Array(0..<20))
        let chosen = RandomDraw.choose(3, from: Array(10..<20), using: &one)
        #expect(chosen.count == 3 && Set(chosen).count == 3 && chosen == chosen.sorted())
        #expect(RandomDraw.choose(5, from: [1, 2], using: &one) == [1, 2])
        var last = LastChoiceRandom()
        var identity = Array(0..<5)
        RandomDraw.shuffle(&identity, using: &last)
        #expect(identity == Array(0..<5))
        #expect(RandomDraw.choose(2, from: [1, 2, 3, 4], using: &last) == [3, 4])
    }

    @Test func defaultSettingsAreValidAndBrokenOnesAreNamed() {
        #expect(SWIMSettings().validated() == nil)
        #expect(testSettings.validated() == nil)
        var settings = SWIMSettings()
        settings.pingTimeout = settings.probeInterval
        #expect(settings.validated() != nil)
        settings = SWIMSettings()
        settings.independentSuspicions = SWIMLimits.maxAccusers
        #expect(settings.validated() != nil)
    }
}
