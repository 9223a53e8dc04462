import GyreCore
import GyreModel
import Testing

/// The SWIM instance driven by hand: explicit times, a generator whose choices are known
/// (``LastChoiceRandom``: the probe order is the members in id order), exact directive lists.
@Suite struct SWIMProbeTests {
    @Test func startRecordsTheIncarnationFirstAndSchedulesThePeriodAndSync() {
        var a = SWIMInstance(me: nodeA, members: [nodeA, nodeB, nodeC, nodeD], lastIncarnation: nil, settings: testSettings)
        var random = LastChoiceRandom()
        #expect(a.onTimer(.protocolPeriod, now: 0, random: &random) == [], "nothing happens before start")
        #expect(a.start(now: 0, random: &random) == [
            .recordIncarnation(0),
            .scheduleTimer(.protocolPeriod, at: 1_000),
            .scheduleTimer(.sync, at: 1_000),
        ])
        #expect(a.start(now: 5, random: &random) == [])
        #expect(a.states == [nodeA: .alive, nodeB: .alive, nodeC: .alive, nodeD: .alive])
        #expect(a.members == [nodeA, nodeB, nodeC, nodeD])
    }

    @Test func probeAndAck() {
        var a = startedInstance()
        #expect(a.fire(.protocolPeriod, at: 999) == [], "a period timer that fires early is ignored")
        #expect(a.fire(.protocolPeriod, at: 1_000) == [
            .send(.ping(probe: 1, updates: [.alive(nodeA, 0)]), to: nodeB),
            .scheduleTimer(.probeTimeout(probe: 1), at: 1_400),
            .scheduleTimer(.protocolPeriod, at: 2_000),
        ])

        // B's side: it answers with its own news.
        var b = startedInstance(nodeB)
        #expect(b.onMessage(.ping(probe: 1, updates: [.alive(nodeA, 0)]), from: nodeA, now: 1_050) == [
            .send(.ack(probe: 1, target: nodeB, incarnation: 0, updates: [.alive(nodeB, 0)]), to: nodeA),
        ])

        #expect(a.onMessage(.ack(probe: 1, target: nodeB, incarnation: 0, updates: [.alive(nodeB, 0)]), from: nodeB, now: 1_100) == [])
        #expect(a.fire(.probeTimeout(probe: 1), at: 1_400) == [], "acked: no ping requests")
        #expect(a.fire(.protocolPeriod, at: 2_000) == [
            .send(.ping(probe: 2, updates: [.alive(nodeA, 0)]), to: nodeC),
            .scheduleTimer(.probeTimeout(probe: 2), at: 2_400),
            .scheduleTimer(.protocolPeriod, at: 3_000),
        ])
        #expect(a.states.values.allSatisfy { $0 == .alive })
        #expect(a.localHealth == 0)
    }

    @Test func roundRobinProbesEveryMemberOncePerRound() {
        var a = startedInstance()
        #expect(a.probeRounds(6) == [nodeB, nodeC, nodeD, nodeB, nodeC, nodeD])
    }

    @Test func missedAckSendsPingRequestsThroughKMembers() {
        var a = startedInstance(members: [nodeA, nodeB, nodeC, nodeD, nodeE])
        _ = a.fire(.protocolPeriod, at: 1_000)
        // k = 2 of the candidates C, D, E (not A itself, not the target B).
        #expect(a.fire(.probeTimeout(probe: 1), at: 1_400) == [
            .send(.pingRequest(probe: 1, target: nodeB, updates: [.alive(nodeA, 0)]), to: nodeD),
            .send(.pingRequest(probe: 1, target: nodeB, updates: [.alive(nodeA, 0)]), to: nodeE),
        ])
        #expect(a.fire(.probeTimeout(probe: 1), at: 1_401) == [], "once per probe")
    }

    @Test func relayPingsTheTargetAndForwardsItsAck() {
        var d = startedInstance(nodeD)
        #expect(d.onMessage(.pingRequest(probe: 1, target: nodeB, updates: [.alive(nodeA, 0)]), from: nodeA, now: 1_450) == [
            .send(.ping(probe: 1, updates: [.alive(nodeD, 0)]), to: nodeB),
            .scheduleTimer(.relayTimeout(probe: 1), at: 1_750),
        ])
        #expect(d.onMessage(.ack(probe: 1, target: nodeB, incarnation: 0, updates: []), from: nodeC, now: 1_500) == [],
                "only the target's own ack counts")
        #expect(d.onMessage(.ack(probe: 1, target: nodeB, incarnation: 0, updates: []), from: nodeB, now: 1_500) == [
            .send(.ack(probe: 1, target: nodeB, incarnation: 0, updates: [.alive(nodeD, 0)]), to: nodeA),
        ])
        #expect(d.fire(.relayTimeout(probe: 1), at: 1_750) == [], "answered: no nack")
    }

    @Test func relayAnswersNackWhenTheTargetIsSilent() {
        var d = startedInstance(nodeD)
        _ = d.onMessage(.pingRequest(probe: 7, target: nodeB, updates: []), from: nodeA, now: 1_450)
        #expect(d.fire(.relayTimeout(probe: 1), at: 1_750) == [
            .send(.nack(probe: 7, target: nodeB, updates: [.alive(nodeD, 0)]), to: nodeA),
        ])
        #expect(d.onMessage(.ack(probe: 1, target: nodeB, incarnation: 0, updates: []), from: nodeB, now: 1_800) == [],
                "a late ack is not forwarded")
    }

    @Test func pingRequestForThisNodeIsAnsweredDirectly() {
        var b = startedInstance(nodeB)
        #expect(b.onMessage(.pingRequest(probe: 3, target: nodeB, updates: []), from: nodeA, now: 10) == [
            .send(.ack(probe: 3, target: nodeB, incarnation: 0, updates: [.alive(nodeB, 0)]), to: nodeA),
        ])
    }

    @Test func indirectAckClearsIt() {
        var a = startedInstance()
        _ = a.fire(.protocolPeriod, at: 1_000)
        _ = a.fire(.probeTimeout(probe: 1), at: 1_400)  // ping requests to C and D
        #expect(a.onMessage(.ack(probe: 1, target: nodeB, incarnation: 0, updates: []), from: nodeC, now: 1_600) == [])
        #expect(a.fire(.protocolPeriod, at: 2_000) == [
            .send(.ping(probe: 2, updates: [.alive(nodeA, 0)]), to: nodeC),
            .scheduleTimer(.probeTimeout(probe: 2), at: 2_400),
            .scheduleTimer(.protocolPeriod, at: 3_000),
        ], "no suspicion, health unchanged")
        #expect(a.status(of: nodeB) == .alive(0))
        #expect(a.localHealth == 0)
    }

    @Test func ackFromAMemberThatWasNotAskedIsIgnored() {
        var a = startedInstance(members: [nodeA, nodeB, nodeC, nodeD, nodeE])
        _ = a.fire(.protocolPeriod, at: 1_000)
        _ = a.fire(.probeTimeout(probe: 1), at: 1_400)  // relays D and E
        #expect(a.onMessage(.ack(probe: 1, target: nodeB, incarnation: 0, updates: []), from: nodeC, now: 1_600) == [])
        let end = a.fire(.protocolPeriod, at: 2_000)
        #expect(end.first == .stateChanged(nodeB, from: .alive, to: .suspect, incarnation: 0))
    }

    @Test func noAckAtAllMakesTheTargetSuspect() {
        var a = startedInstance()
        _ = a.fire(.protocolPeriod, at: 1_000)
        _ = a.fire(.probeTimeout(probe: 1), at: 1_400)  // ping requests to C and D; nobody answers
        // Local health +2 (two relays, no nack): the next period and ack wait are 3× as long.
        #expect(a.fire(.protocolPeriod, at: 2_000) == [
            .stateChanged(nodeB, from: .alive, to: .suspect, incarnation: 0),
            .scheduleTimer(.suspicion(nodeB), at: 11_000),
            .send(.ping(probe: 2, updates: [.suspect(nodeB, 0, by: [nodeA]), .alive(nodeA, 0)]), to: nodeC),
            .scheduleTimer(.probeTimeout(probe: 2), at: 3_200),
            .scheduleTimer(.protocolPeriod, at: 5_000),
        ])
        #expect(a.localHealth == 2)
        #expect(a.status(of: nodeB) == .suspect(0))
        #expect(a.accusers(of: nodeB) == [nodeA])
    }

    @Test func nacksFromEveryRelayLeaveTheLocalHealthAlone() {
        var a = startedInstance()
        _ = a.fire(.protocolPeriod, at: 1_000)
        _ = a.fire(.probeTimeout(probe: 1), at: 1_400)
        #expect(a.onMessage(.nack(probe: 1, target: nodeB, updates: []), from: nodeC, now: 1_800) == [])
        #expect(a.onMessage(.nack(probe: 1, target: nodeB, updates: []), from: nodeD, now: 1_800) == [])
        let end = a.fire(.protocolPeriod, at: 2_000)
        #expect(end.first == .stateChanged(nodeB, from: .alive, to: .suspect, incarnation: 0))
        #expect(end.last == .scheduleTimer(.protocolPeriod, at: 3_000))
        #expect(a.localHealth == 0)
    }

    @Test func suspicionTimeoutMakesTheSuspectDead() {
        var a = startedInstance()
        _ = a.fire(.protocolPeriod, at: 1_000)
        _ = a.fire(.probeTimeout(probe: 1), at: 1_400)
        _ = a.fire(.protocolPeriod, at: 2_000)
        #expect(a.fire(.suspicion(nodeB), at: 10_999) == [])
        #expect(a.fire(.suspicion(nodeB), at: 11_000) == [.stateChanged(nodeB, from: .suspect, to: .dead, incarnation: 0)])
        #expect(a.status(of: nodeB) == .dead(0))
        #expect(a.fire(.suspicion(nodeB), at: 11_001) == [])
    }

    @Test func independentSuspicionsShortenTheTimeout() {
        // Five members: Lifeguard's K = 3 confirmations bring 9000 down to 3000.
        var a = startedInstance(members: [nodeA, nodeB, nodeC, nodeD, nodeE])
        #expect(a.onMessage(.syncReply(states: [.suspect(nodeB, 0, by: [nodeC])]), from: nodeC, now: 1_000) == [
            .stateChanged(nodeB, from: .alive, to: .suspect, incarnation: 0),
            .scheduleTimer(.suspicion(nodeB), at: 10_000),
        ])
        // C = 1: 9000 − 6000·log(2)/log(4) = 6000.
        #expect(a.onMessage(.syncReply(states: [.suspect(nodeB, 0, by: [nodeD])]), from: nodeD, now: 2_000) == [
            .scheduleTimer(.suspicion(nodeB), at: 7_000),
        ])
        #expect(a.onMessage(.syncReply(states: [.suspect(nodeB, 0, by: [nodeD])]), from: nodeD, now: 2_100) == [],
                "a known accuser confirms nothing")
        // C = 2: 9000 − ⌊6000·log(3)/log(4)⌋ = 4246.
        #expect(a.onMessage(.syncReply(states: [.suspect(nodeB, 0, by: [nodeE, nodeC])]), from: nodeE, now: 3_000) == [
            .scheduleTimer(.suspicion(nodeB), at: 5_246),
        ])
        #expect(a.accusers(of: nodeB) == [nodeC, nodeD, nodeE])
        // C = 3 (A's own failed probe joins): the minimum, already past, so due now.
        #expect(a.onMessage(.syncReply(states: [.suspect(nodeB, 0, by: [nodeA])]), from: nodeC, now: 4_500) == [
            .scheduleTimer(.suspicion(nodeB), at: 4_500),
        ])
        #expect(a.fire(.suspicion(nodeB), at: 4_500) == [.stateChanged(nodeB, from: .suspect, to: .dead, incarnation: 0)])
    }

    @Test func theSuspectedNodeRefutesWithAHigherIncarnation() {
        // Two members: every period probes B, and no relay can be asked.
        var a = startedInstance(members: [nodeA, nodeB])
        var b = startedInstance(nodeB, members: [nodeA, nodeB])
        _ = a.fire(.protocolPeriod, at: 1_000)
        #expect(a.fire(.probeTimeout(probe: 1), at: 1_400) == [], "nobody to ask")
        // The next probe tells B it is suspected (buddy system), before any other news.
        #expect(a.fire(.protocolPeriod, at: 2_000) == [
            .stateChanged(nodeB, from: .alive, to: .suspect, incarnation: 0),
            .scheduleTimer(.suspicion(nodeB), at: 5_000),  // a group too small to confirm: the minimum
            .send(.ping(probe: 2, updates: [.suspect(nodeB, 0, by: [nodeA]), .alive(nodeA, 0)]), to: nodeB),
            .scheduleTimer(.probeTimeout(probe: 2), at: 2_800),
            .scheduleTimer(.protocolPeriod, at: 4_000),
        ])
        // B records its next incarnation before the ack that carries it.
        #expect(b.onMessage(.ping(probe: 2, updates: [.suspect(nodeB, 0, by: [nodeA]), .alive(nodeA, 0)]), from: nodeA, now: 2_050) == [
            .recordIncarnation(1),
            .send(.ack(probe: 2, target: nodeB, incarnation: 1, updates: [.alive(nodeB, 1)]), to: nodeA),
        ])
        #expect(b.incarnation == 1)
        #expect(b.localHealth == 1, "Lifeguard: having to refute is a sign of slowness")
        #expect(a.onMessage(.ack(probe: 2, target: nodeB, incarnation: 1, updates: [.alive(nodeB, 1)]), from: nodeB, now: 2_100) == [
            .stateChanged(nodeB, from: .suspect, to: .alive, incarnation: 1),
        ])
        #expect(a.fire(.suspicion(nodeB), at: 5_000) == [])
        #expect(a.status(of: nodeB) == .alive(1))
    }

    @Test func refutationGoesAboveTheAccusedIncarnation() {
        var b = startedInstance(nodeB)
        #expect(b.onMessage(.syncReply(states: [.dead(nodeB, 5)]), from: nodeC, now: 10) == [.recordIncarnation(6)])
        #expect(b.onMessage(.syncReply(states: [.suspect(nodeB, 5, by: [nodeC])]), from: nodeC, now: 20) == [],
                "older than the incarnation now held")
        #expect(b.onMessage(.syncReply(states: [.alive(nodeB, 9)]), from: nodeC, now: 30) == [], "alive needs no refutation")
        #expect(b.status(of: nodeB) == .alive(6))
    }

    @Test func deadMembersAreProbedByDirectPingOnlyAndComeBackByRefuting() {
        var a = startedInstance()
        #expect(a.onMessage(.syncReply(states: [.dead(nodeB, 0)]), from: nodeC, now: 500) == [
            .stateChanged(nodeB, from: .alive, to: .dead, incarnation: 0),
        ])
        // B's turn: a direct ping that tells it it is held dead; no ack deadline, no ping requests.
        #expect(a.fire(.protocolPeriod, at: 1_000) == [
            .send(.ping(probe: 1, updates: [.dead(nodeB, 0), .alive(nodeA, 0)]), to: nodeB),
            .scheduleTimer(.protocolPeriod, at: 2_000),
        ])
        // B was only starved, never restarted: it refutes.
        var b = startedInstance(nodeB)
        #expect(b.onMessage(.ping(probe: 1, updates: [.dead(nodeB, 0), .alive(nodeA, 0)]), from: nodeA, now: 1_050) == [
            .recordIncarnation(1),
            .send(.ack(probe: 1, target: nodeB, incarnation: 1, updates: [.alive(nodeB, 1)]), to: nodeA),
        ])
        #expect(a.onMessage(.ack(probe: 1, target: nodeB, incarnation: 1, updates: [.alive(nodeB, 1)]), from: nodeB, now: 1_100) == [
            .stateChanged(nodeB, from: .dead, to: .alive, incarnation: 1),
        ])
    }

    @Test func aSilentDeadMemberCostsNoSuspicionAndNoHealth() {
        var a = startedInstance()
        _ = a.onMessage(.syncReply(states: [.dead(nodeB, 0)]), from: nodeC, now: 500)
        _ = a.fire(.protocolPeriod, at: 1_000)
        #expect(a.fire(.protocolPeriod, at: 2_000) == [
            .send(.ping(probe: 2, updates: [.dead(nodeB, 0), .alive(nodeA, 0)]), to: nodeC),
            .scheduleTimer(.probeTimeout(probe: 2), at: 2_400),
            .scheduleTimer(.protocolPeriod, at: 3_000),
        ])
        #expect(a.localHealth == 0)
        #expect(a.status(of: nodeB) == .dead(0))
    }

    @Test func aRestartedNodeWithAHigherIncarnationIsAliveAgain() {
        var a = startedInstance(members: [nodeA, nodeB, nodeC])
        _ = a.onMessage(.syncReply(states: [.dead(nodeB, 3)]), from: nodeC, now: 500)
        #expect(a.status(of: nodeB) == .dead(3))

        // B restarts with the incarnation it recorded: it takes the next one and records it first.
        var b = SWIMInstance(me: nodeB, members: [nodeA, nodeB, nodeC], lastIncarnation: 3, settings: testSettings)
        var random = LastChoiceRandom()
        #expect(b.start(now: 0, random: &random) == [
            .recordIncarnation(4),
            .scheduleTimer(.protocolPeriod, at: 1_000),
            .scheduleTimer(.sync, at: 1_000),
        ])
        #expect(b.fire(.protocolPeriod, at: 1_000) == [
            .send(.ping(probe: 1, updates: [.alive(nodeB, 4)]), to: nodeA),
            .scheduleTimer(.probeTimeout(probe: 1), at: 1_400),
            .scheduleTimer(.protocolPeriod, at: 2_000),
        ])
        #expect(a.onMessage(.ping(probe: 1, updates: [.alive(nodeB, 4)]), from: nodeB, now: 1_010) == [
            .stateChanged(nodeB, from: .dead, to: .alive, incarnation: 4),
            .send(.ack(probe: 1, target: nodeA, incarnation: 0, updates: [.alive(nodeB, 4), .alive(nodeA, 0)]), to: nodeB),
        ])
    }

    @Test func pushPullSyncCatchesUpANodeThatMissedGossip() {
        var settings = testSettings
        settings.syncInterval = 5_000
        var a = startedInstance(settings: settings)
        _ = a.onMessage(.syncReply(states: [.dead(nodeB, 2), .alive(nodeC, 5)]), from: nodeC, now: 100)
        // The last of the candidates B, C, D that are not dead: D.
        let states: [MemberUpdate] = [.alive(nodeA, 0), .dead(nodeB, 2), .alive(nodeC, 5), .alive(nodeD, 0)]
        // The first sync is one probe interval after start, later ones a sync interval apart.
        #expect(a.fire(.sync, at: 999) == [])
        #expect(a.fire(.sync, at: 1_000) == [
            .send(.sync(states: states), to: nodeD),
            .scheduleTimer(.sync, at: 6_000),
        ])
        #expect(a.fire(.sync, at: 5_999) == [])
        // D restarted once (incarnation 1) and heard none of it.
        var d = startedInstance(nodeD, lastIncarnation: 0, settings: settings)
        #expect(d.onMessage(.sync(states: states), from: nodeA, now: 5_010) == [
            .stateChanged(nodeB, from: .alive, to: .dead, incarnation: 2),
            .send(.syncReply(states: [.alive(nodeA, 0), .dead(nodeB, 2), .alive(nodeC, 5), .alive(nodeD, 1)]), to: nodeA),
        ])
        #expect(a.onMessage(.syncReply(states: [.alive(nodeA, 0), .dead(nodeB, 2), .alive(nodeC, 5), .alive(nodeD, 1)]),
                            from: nodeD, now: 5_020) == [])
        #expect(a.view == d.view)
    }

    @Test func gossipIsPiggybackedABoundedNumberOfTimes() {
        // Four members: 3 × ⌈log₂ 5⌉ = 9 transmissions, then the news is dropped.
        var a = startedInstance()
        var carried = 0
        for period in 1...12 {
            let now = UInt64(period) * 1_000
            for directive in a.fire(.protocolPeriod, at: now) {
                guard case let .send(.ping(probe, updates), to: target) = directive else { continue }
                if updates.contains(.alive(nodeA, 0)) { carried += 1 }
                _ = a.onMessage(.ack(probe: probe, target: target, incarnation: 0, updates: []), from: target, now: now + 10)
            }
        }
        #expect(carried == 9)
    }

    @Test func membersFollowTheRing() {
        var a = startedInstance()
        var random = LastChoiceRandom()
        #expect(a.onMembersChanged([nodeA, nodeB, nodeC, nodeE], now: 10, random: &random) == [])
        #expect(a.states == [nodeA: .alive, nodeB: .alive, nodeC: .alive, nodeE: .alive])
        #expect(a.onMessage(.syncReply(states: [.dead(nodeD, 4)]), from: nodeC, now: 20) == [], "D is no member now")
        #expect(a.onMessage(.ping(probe: 1, updates: []), from: nodeD, now: 30) == [.refused(.unknownSender, from: nodeD)])
        // E was inserted at a random place of the round (here: its end); D is gone from it.
        #expect(a.probeRounds(3) == [nodeB, nodeC, nodeE])
    }
}
