import Testing
import WAMPCore

@testable import JunctionRouter

@Suite struct ClientFeaturesTests {
    @Test func eitherSpellingSetsTheSameBitAndOnlyTrueCounts() {
        let roles: WAMPDict = [
            "callee": ["features": ["call_cancelling": true, "payload_transparency": true, "call_timeout": false]],
            "caller": ["features": ["progressive_call_invocations": "yes"]],
            "publisher": ["features": ["payload_passthru_mode": true]],
        ]
        let features = ClientFeatures(announcedIn: roles)
        #expect(features == [.calleeCallCanceling, .calleePassthru, .publisherPassthru])
        #expect(ClientFeatures(announcedIn: ["callee": ["features": ["call_canceling": true]]]) == .calleeCallCanceling)
        #expect(ClientFeatures(announcedIn: ["callee": "nonsense"]) == [])
    }

    @Test func everyAnnouncementHasItsOwnRoleAndFeature() {
        let pairs = ClientFeatures.announcements.map { "\($0.role).\($0.feature)" }
        #expect(Set(pairs).count == pairs.count)
        let bits = ClientFeatures.announcements.reduce(ClientFeatures()) { $0.union($1.bit) }
        #expect(bits.rawValue == (1 << 10) - 1)
    }
}
