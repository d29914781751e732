import JunctionCluster
import Testing

struct ClusterMembershipTests {
    @Test func firstHeartbeatJoinsAndSilenceEvictsAfterTheTimeout() {
        var membership = ClusterMembership(selfNode: "a", evictAfterMilliseconds: 7000)
        guard case .joined(let member) = membership.heartbeat(node: "b", epoch: 1, sessions: 3, now: 1000) else {
            Issue.record("the first heartbeat did not join")
            return
        }
        #expect(member.node == "b" && member.sessions == 3)
        #expect(membership.heartbeat(node: "b", epoch: 1, sessions: 4, now: 2000) == .none)
        #expect(membership.tick(now: 9000).isEmpty)
        let evicted = membership.tick(now: 9001)
        #expect(evicted.count == 1)
        if case .evicted(let gone) = evicted.first { #expect(gone.node == "b" && gone.sessions == 4) }
        #expect(membership.members.isEmpty)
    }

    @Test func ownHeartbeatsAreIgnored() {
        var membership = ClusterMembership(selfNode: "a")
        #expect(membership.heartbeat(node: "a", epoch: 9, sessions: 1, now: 0) == .none)
        #expect(membership.members.isEmpty)
    }

    @Test func aNewEpochReplacesTheOldIncarnation() {
        var membership = ClusterMembership(selfNode: "a")
        _ = membership.heartbeat(node: "b", epoch: 1, sessions: 0, now: 0)
        guard case .replaced(let old, let new) = membership.heartbeat(node: "b", epoch: 2, sessions: 0, now: 10) else {
            Issue.record("a restarted node was not replaced")
            return
        }
        #expect(old.epoch == 1 && new.epoch == 2)
        #expect(membership.members["b"]?.epoch == 2)
    }

    @Test func leavingEvictsAtOnceButOnlyTheSameEpoch() {
        var membership = ClusterMembership(selfNode: "a")
        _ = membership.heartbeat(node: "b", epoch: 5, sessions: 0, now: 0)
        #expect(membership.left(node: "b", epoch: 4) == .none)
        guard case .evicted = membership.left(node: "b", epoch: 5) else {
            Issue.record("a leaving node stayed")
            return
        }
        #expect(membership.members.isEmpty)
    }

    @Test func evictionsComeInNameOrder() {
        var membership = ClusterMembership(selfNode: "a", evictAfterMilliseconds: 100)
        for node in ["d", "b", "c"] { _ = membership.heartbeat(node: node, epoch: 1, sessions: 0, now: 0) }
        let names = membership.tick(now: 500).compactMap { action -> String? in
            if case .evicted(let member) = action { return member.node }
            return nil
        }
        #expect(names == ["b", "c", "d"])
    }

    @Test func heartbeatTextRoundTripsAndRejectsGarbage() {
        let heartbeat = NodeHeartbeat(node: "node-a", epoch: 42, sessions: 7, sequence: 99)
        #expect(NodeHeartbeat(heartbeat.encoded) == heartbeat)
        let leaving = NodeHeartbeat(node: "n", epoch: 1, sessions: 0, sequence: 0, leaving: true)
        #expect(NodeHeartbeat(leaving.encoded) == leaving)
        for bad in ["", "a b c", "a 1 2 x", "a -1 2 3", "a 1 -2 3", "bad/name 1 2 3", "a 1 2 3 later", "a 1 2 3 4 5"] {
            #expect(NodeHeartbeat(bad) == nil, "accepted '\(bad)'")
        }
    }
}
