import GyreCore
import GyreModel
import Testing

/// What a peer may not do to a node's view: bring back old news, talk about strangers, or send
/// more than ``SWIMLimits`` allow. A refused message changes nothing and is not answered.
@Suite struct SWIMHostileInputTests {
    /// A, whose view holds B alive at incarnation 3 (learned from B's ack).
    private func instanceKnowingBAt3() -> SWIMInstance {
        var a = startedInstance()
        _ = a.fire(.protocolPeriod, at: 1_000)
        _ = a.onMessage(.ack(probe: 1, target: nodeB, incarnation: 3, updates: []), from: nodeB, now: 1_010)
        return a
    }

    @Test func olderIncarnationCannotDeclareSuspectOrDead() {
        var a = instanceKnowingBAt3()
        #expect(a.status(of: nodeB) == .alive(3))
        #expect(a.onMessage(.syncReply(states: [.dead(nodeB, 2), .suspect(nodeB, 1, by: [nodeC]), .alive(nodeB, 0)]),
                            from: nodeC, now: 1_100) == [])
        #expect(a.onMessage(.ping(probe: 9, updates: [.dead(nodeB, 2)]), from: nodeC, now: 1_200) == [
            .send(.ack(probe: 9, target: nodeA, incarnation: 0, updates: [.alive(nodeB, 3), .alive(nodeA, 0)]), to: nodeC),
        ])
        #expect(a.status(of: nodeB) == .alive(3))
        // At the known incarnation, SWIM's order lets suspicion through.
        #expect(a.onMessage(.syncReply(states: [.suspect(nodeB, 3, by: [nodeC])]), from: nodeC, now: 1_300) == [
            .stateChanged(nodeB, from: .alive, to: .suspect, incarnation: 3),
            .scheduleTimer(.suspicion(nodeB), at: 10_300),
        ])
    }

    @Test func deadCannotBeUndoneWithoutAHigherIncarnation() {
        var a = startedInstance()
        _ = a.onMessage(.syncReply(states: [.dead(nodeB, 4)]), from: nodeC, now: 100)
        #expect(a.onMessage(.syncReply(states: [.alive(nodeB, 4), .suspect(nodeB, 4, by: [nodeC]), .alive(nodeB, 1)]),
                            from: nodeC, now: 200) == [])
        #expect(a.status(of: nodeB) == .dead(4))
    }

    @Test func updatesAboutUnknownNodesAreIgnored() {
        var a = startedInstance()
        #expect(a.onMessage(.syncReply(states: [.dead(stranger, 7), .suspect(stranger, 1, by: [nodeB])]), from: nodeB, now: 100) == [])
        #expect(a.status(of: stranger) == nil)
        #expect(a.view.count == 4)
        // Known updates in the same message still count.
        #expect(a.onMessage(.syncReply(states: [.dead(stranger, 7), .dead(nodeC, 0)]), from: nodeB, now: 200) == [
            .stateChanged(nodeC, from: .alive, to: .dead, incarnation: 0),
        ])
    }

    @Test func accusersThatAreNotMembersConfirmNothing() {
        var a = startedInstance(members: [nodeA, nodeB, nodeC, nodeD, nodeE])
        _ = a.onMessage(.syncReply(states: [.suspect(nodeB, 0, by: [nodeC])]), from: nodeC, now: 1_000)
        let forged = (1...7).map { NodeID(high: 7, low: UInt64($0)) } + [nodeB]
        #expect(a.onMessage(.syncReply(states: [.suspect(nodeB, 0, by: forged)]), from: nodeC, now: 1_100) == [],
                "strangers and the suspect itself are not accusers")
        #expect(a.accusers(of: nodeB) == [nodeC])
    }

    @Test func messagesFromStrangersAreRefused() {
        var a = startedInstance()
        #expect(a.onMessage(.ping(probe: 1, updates: [.dead(nodeB, 0)]), from: stranger, now: 100) == [
            .refused(.unknownSender, from: stranger),
        ])
        #expect(a.onMessage(.syncReply(states: []), from: nodeA, now: 100) == [.refused(.unknownSender, from: nodeA)],
                "nobody speaks as this node")
        #expect(a.status(of: nodeB) == .alive(0))
    }

    @Test func pingRequestForAStrangerIsRefused() {
        var b = startedInstance(nodeB)
        #expect(b.onMessage(.pingRequest(probe: 1, target: stranger, updates: [.dead(nodeC, 0)]), from: nodeA, now: 100) == [
            .refused(.unknownTarget(stranger), from: nodeA),
        ])
        #expect(b.status(of: nodeC) == .alive(0))
    }

    @Test func oversizedUpdateListsAreRefusedWithoutTouchingState() {
        var a = startedInstance()
        let tooMany = [MemberUpdate.dead(nodeB, 9)] + Array(repeating: MemberUpdate.alive(nodeC, 0), count: SWIMLimits.maxPiggybackedUpdates)
        for message in [
            SWIMMessage.ping(probe: 1, updates: tooMany),
            .pingRequest(probe: 1, target: nodeC, updates: tooMany),
            .ack(probe: 1, target: nodeB, incarnation: 0, updates: tooMany),
            .nack(probe: 1, target: nodeB, updates: tooMany),
        ] {
            #expect(a.onMessage(message, from: nodeD, now: 100) == [.refused(.tooManyUpdates(count: 65), from: nodeD)])
        }
        let tooManyStates = [MemberUpdate.dead(nodeB, 9)]
            + Array(repeating: MemberUpdate.alive(nodeC, 0), count: SWIMLimits.maxSyncStates)
        #expect(a.onMessage(.sync(states: tooManyStates), from: nodeD, now: 100) == [
            .refused(.tooManyUpdates(count: 4_097), from: nodeD),
        ])
        #expect(a.onMessage(.syncReply(states: tooManyStates), from: nodeD, now: 100) == [
            .refused(.tooManyUpdates(count: 4_097), from: nodeD),
        ])
        #expect(a.status(of: nodeB) == .alive(0))
        // At the limits, accepted.
        #expect(a.onMessage(.syncReply(states: Array(tooManyStates.prefix(SWIMLimits.maxSyncStates))), from: nodeD, now: 200) == [
            .stateChanged(nodeB, from: .alive, to: .dead, incarnation: 9),
        ])
        #expect(a.onMessage(.ping(probe: 1, updates: Array(tooMany.prefix(SWIMLimits.maxPiggybackedUpdates))), from: nodeD, now: 300).count == 1)
    }

    @Test func tooManyAccusersOrHugeIncarnationsAreRefused() {
        var a = startedInstance()
        let accusers = (1...9).map { NodeID(high: 0, low: UInt64($0)) }
        #expect(a.onMessage(.syncReply(states: [.dead(nodeC, 0), .suspect(nodeB, 0, by: accusers)]), from: nodeD, now: 100) == [
            .refused(.tooManyAccusers(count: 9), from: nodeD),
        ])
        let huge = SWIMLimits.maxIncarnation + 1
        #expect(a.onMessage(.syncReply(states: [.dead(nodeC, 0), .dead(nodeA, huge)]), from: nodeD, now: 100) == [
            .refused(.incarnationOutOfRange(huge), from: nodeD),
        ])
        #expect(a.onMessage(.ack(probe: 1, target: nodeD, incarnation: huge, updates: []), from: nodeD, now: 100) == [
            .refused(.incarnationOutOfRange(huge), from: nodeD),
        ])
        #expect(a.status(of: nodeC) == .alive(0))
        #expect(a.incarnation == 0)
        // Refutations stop at the largest incarnation a peer accepts: nothing sent is ever refused.
        #expect(a.onMessage(.syncReply(states: [.dead(nodeA, SWIMLimits.maxIncarnation - 1)]), from: nodeD, now: 200) == [
            .recordIncarnation(SWIMLimits.maxIncarnation),
        ])
        #expect(a.onMessage(.syncReply(states: [.dead(nodeA, SWIMLimits.maxIncarnation)]), from: nodeD, now: 300) == [])
        #expect(a.incarnation == SWIMLimits.maxIncarnation)
    }

    @Test func relayedProbesAreBounded() {
        var b = startedInstance(nodeB)  // maxRelayedProbes = 2
        #expect(b.onMessage(.pingRequest(probe: 1, target: nodeC, updates: []), from: nodeA, now: 100).count == 2)
        #expect(b.onMessage(.pingRequest(probe: 2, target: nodeD, updates: []), from: nodeA, now: 100).count == 2)
        #expect(b.onMessage(.pingRequest(probe: 3, target: nodeC, updates: [.dead(nodeD, 0)]), from: nodeA, now: 100) == [
            .refused(.tooManyRelayedProbes, from: nodeA),
        ])
        #expect(b.status(of: nodeD) == .alive(0))
        _ = b.fire(.relayTimeout(probe: 1), at: 400)
        #expect(b.onMessage(.pingRequest(probe: 3, target: nodeC, updates: []), from: nodeA, now: 500).count == 2, "room again")
    }

    @Test func unsolicitedAndMismatchedAnswersChangeNoProbe() {
        var a = startedInstance()
        _ = a.fire(.protocolPeriod, at: 1_000)
        // Wrong probe id, wrong target, a nack from someone never asked: the probe still fails.
        #expect(a.onMessage(.ack(probe: 99, target: nodeB, incarnation: 0, updates: []), from: nodeB, now: 1_100) == [])
        #expect(a.onMessage(.ack(probe: 1, target: nodeC, incarnation: 0, updates: []), from: nodeC, now: 1_100) == [])
        #expect(a.onMessage(.nack(probe: 1, target: nodeB, updates: []), from: nodeC, now: 1_100) == [])
        _ = a.fire(.probeTimeout(probe: 1), at: 1_400)
        #expect(a.fire(.protocolPeriod, at: 2_000).first == .stateChanged(nodeB, from: .alive, to: .suspect, incarnation: 0))
    }
}
