import MQTTCore
import Testing

@testable import JunctionMQTT

/// The will as the realm session's testament: armed after CONNACK, discarded by a normal
/// DISCONNECT or a takeover that continues the session, otherwise left for the realm to publish.
@Suite struct MQTTSessionWillTests {
    let will = MQTTWill(topic: "dev/status", payload: Array("offline".utf8), qos: .atLeastOnce, retain: true)

    static func persistent(_ seconds: UInt32 = 60) -> MQTTProperties {
        var properties = MQTTProperties()
        properties.sessionExpiryInterval = seconds
        return properties
    }

    @Test(arguments: [MQTTProtocolVersion.v3_1_1, .v5])
    func willIsArmedRightAfterCONNACK(version: MQTTProtocolVersion) {
        let (_, actions) = MQTTSessionStateMachine.connected(version, will: self.will)
        #expect(actions.count == 2)
        guard case .send(.connack)? = actions.first else {
            Issue.record("CONNACK first, got \(actions)")
            return
        }
        #expect(actions.last == .armWill(self.will))
        let (_, none) = MQTTSessionStateMachine.connected(version)
        #expect(!none.contains(.armWill(self.will)))
    }

    @Test func normalDisconnectDiscardsTheArmedWill() {
        var (machine, _) = MQTTSessionStateMachine.connected(.v5, will: self.will)
        let actions = machine.packetReceived(.disconnect(MQTTDisconnect()), now: 0)
        #expect(actions == [.discardWill, .close(reason: "client disconnected")])
        #expect(machine.will == nil)
        #expect(machine.connectionClosed() == [.ended(MQTTSessionEnd(will: nil, willDelay: 0, sessionExpiry: 0))])
    }

    @Test func disconnectWithWillMessageKeepsIt() {
        var (machine, _) = MQTTSessionStateMachine.connected(.v5, will: self.will)
        let actions = machine.packetReceived(
            .disconnect(MQTTDisconnect(reasonCode: .disconnectWithWillMessage)),
            now: 0
        )
        #expect(actions == [.close(reason: "client disconnected")])
        #expect(machine.connectionClosed() == [.ended(MQTTSessionEnd(will: self.will, willDelay: 0, sessionExpiry: 0))])
        #expect(machine.will == self.will)
    }

    @Test func aNormalDisconnectWithoutAWillHasNothingToDiscard() {
        var (machine, _) = MQTTSessionStateMachine.connected(.v5)
        let actions = machine.packetReceived(.disconnect(MQTTDisconnect()), now: 0)
        #expect(actions == [.close(reason: "client disconnected")])
    }

    @Test func keepAliveTimeoutLeavesTheWillArmed() {
        var (machine, _) = MQTTSessionStateMachine.connected(.v5, keepAlive: 1, will: self.will)
        let actions = machine.keepAliveCheck(now: 2_000_000_000)
        #expect(actions.packets == [.disconnect(MQTTDisconnect(reasonCode: .keepAliveTimeout))])
        #expect(!actions.contains(.discardWill))
        #expect(machine.connectionClosed() == [.ended(MQTTSessionEnd(will: self.will, willDelay: 0, sessionExpiry: 0))])
    }

    /// mosquitto's rule: the old will goes out when the old session ends with the takeover.
    @Test(arguments: [
        // (old version, old session expiry, new clean start, will published)
        (MQTTProtocolVersion.v3_1_1, false, false, false),
        (.v3_1_1, false, true, true),
        (.v3_1_1, true, false, true),
        (.v3_1_1, true, true, true),
        (.v5, false, false, false),
        (.v5, false, true, true),
        (.v5, true, false, true),
        (.v5, true, true, true),
    ])
    func takeoverPublishesTheOldWillOnlyWhenTheSessionEnds(
        version: MQTTProtocolVersion,
        oldClean: Bool,
        newCleanStart: Bool,
        published: Bool
    ) {
        var (machine, _) = MQTTSessionStateMachine.connected(
            version,
            cleanStart: oldClean,
            properties: oldClean ? MQTTProperties() : Self.persistent(),
            will: self.will
        )
        let (_, actions) = machine.handOver(newCleanStart: newCleanStart)
        #expect(actions.contains(.discardWill) == !published)
        #expect(actions.closes)
        #expect(machine.will == nil)
    }

    @Test func takeoverWithinTheWillDelayOfADetachedSessionDiscardsIt() {
        var willProperties = MQTTProperties()
        willProperties.willDelayInterval = 30
        let delayed = MQTTWill(topic: "dev/status", payload: [], properties: willProperties)
        var (machine, _) = MQTTSessionStateMachine.connected(.v5, properties: Self.persistent(), will: delayed)
        _ = machine.connectionClosed()
        #expect(machine.isDetached)
        #expect(machine.will == delayed)
        let (_, actions) = machine.handOver(newCleanStart: false)
        #expect(actions == [.discardWill])
    }

    @Test func takeoverWithACleanStartEndsTheDetachedSessionAndItsWillGoesOut() {
        var (machine, _) = MQTTSessionStateMachine.connected(.v5, properties: Self.persistent(), will: self.will)
        _ = machine.connectionClosed()
        let (_, actions) = machine.handOver(newCleanStart: true)
        #expect(actions.isEmpty)
    }

    @Test func aWillPublishedByTheSessionIsNotDiscardedLater() {
        var (machine, _) = MQTTSessionStateMachine.connected(.v5, properties: Self.persistent(), will: self.will)
        _ = machine.connectionClosed()
        machine.willPublished()
        let (_, actions) = machine.handOver(newCleanStart: false)
        #expect(actions.isEmpty)
    }

    @Test func anExpiredSessionForgetsItsWill() {
        var (machine, _) = MQTTSessionStateMachine.connected(.v5, properties: Self.persistent(), will: self.will)
        _ = machine.connectionClosed()
        machine.expired()
        #expect(machine.will == nil)
    }
}
