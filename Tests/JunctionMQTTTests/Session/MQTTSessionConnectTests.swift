import MQTTCore
import Testing

@testable import JunctionMQTT

/// CONNECT / CONNACK, keep-alive, bad input before and after CONNECT, the end of a connection.
@Suite struct MQTTSessionConnectTests {
    @Test func connectAsksForAuthenticationThenConnacks() {
        var machine = MQTTSessionStateMachine()
        let connect = MQTTConnect(protocolVersion: .v5, clientIdentifier: "dev1")
        #expect(machine.connectReceived(connect, assignedIdentifier: "x", now: 0) == [.authenticate(connect)])
        let actions = machine.accepted(previous: nil, now: 0)
        guard case .connack(let connack)? = actions.packets.first else {
            Issue.record("no CONNACK")
            return
        }
        #expect(connack.reasonCode == .success)
        #expect(!connack.sessionPresent)
        #expect(connack.properties.receiveMaximum == 100)
        #expect(connack.properties.topicAliasMaximum == 32)
        #expect(connack.properties.assignedClientIdentifier == nil)
        #expect(machine.isConnected)
    }

    @Test func zeroLengthClientIDIsAssigned() {
        var machine = MQTTSessionStateMachine()
        let actions = machine.connectReceived(
            MQTTConnect(protocolVersion: .v5, cleanStart: false, clientIdentifier: ""),
            assignedIdentifier: "auto-1",
            now: 0
        )
        guard case .authenticate(let connect)? = actions.first else {
            Issue.record("not authenticating")
            return
        }
        #expect(connect.clientIdentifier == "auto-1")
        guard case .connack(let connack)? = machine.accepted(previous: nil, now: 0).packets.first else { return }
        #expect(connack.properties.assignedClientIdentifier == "auto-1")
    }

    @Test func zeroLengthClientIDWithoutCleanSessionIsRejectedIn311() {
        var machine = MQTTSessionStateMachine()
        let actions = machine.connectReceived(
            MQTTConnect(protocolVersion: .v3_1_1, cleanStart: false, clientIdentifier: ""),
            assignedIdentifier: "a",
            now: 0
        )
        #expect(actions.packets == [.connack(MQTTConnAck(reasonCode: .clientIdentifierNotValid))])
        #expect(actions.closes)
    }

    @Test func refusedCredentials() {
        var machine = MQTTSessionStateMachine()
        _ = machine.connectReceived(
            MQTTConnect(protocolVersion: .v3_1_1, clientIdentifier: "a"),
            assignedIdentifier: "",
            now: 0
        )
        let actions = machine.refused(.badUserNameOrPassword, log: "bad ticket")
        #expect(actions.packets == [.connack(MQTTConnAck(reasonCode: .badUserNameOrPassword))])
        #expect(actions.closes)
    }

    @Test func extendedAuthenticationIsRefused() {
        var machine = MQTTSessionStateMachine()
        var properties = MQTTProperties()
        properties.authenticationMethod = "SCRAM-SHA-1"
        let actions = machine.connectReceived(
            MQTTConnect(protocolVersion: .v5, clientIdentifier: "a", properties: properties),
            assignedIdentifier: "",
            now: 0
        )
        #expect(actions.packets == [.connack(MQTTConnAck(reasonCode: .badAuthenticationMethod))])
        // The log line (the close reason) names the method and what is supported instead.
        #expect(
            actions.contains(
                .close(
                    reason: "enhanced authentication method 'SCRAM-SHA-1' refused: only user name and password "
                        + "(ticket, JWT, dynamic authenticator) and TLS client certificates are supported"
                )
            )
        )
        #expect(machine.packetReceived(.auth(MQTTAuth()), now: 0).isEmpty)
    }

    @Test func authWithoutAnAuthenticationMethodIsAProtocolError() {
        var (machine, _) = MQTTSessionStateMachine.connected(.v5)
        let actions = machine.packetReceived(.auth(MQTTAuth()), now: 0)
        #expect(actions.packets == [.disconnect(MQTTDisconnect(reasonCode: .protocolError))])
        #expect(actions.closes)
    }

    @Test func serverKeepAliveIsAnnouncedAndEnforced() {
        var configuration = MQTTSessionConfiguration()
        configuration.maximumKeepAlive = 30
        let (machine, actions) = MQTTSessionStateMachine.connected(keepAlive: 0, configuration: configuration)
        var copy = machine
        guard case .connack(let connack)? = actions.packets.first else { return }
        #expect(connack.properties.serverKeepAlive == 30)
        #expect(copy.keepAliveCheck(now: 45_000_000_000).isEmpty)
        let expired = copy.keepAliveCheck(now: 45_000_000_001)
        #expect(expired.packets == [.disconnect(MQTTDisconnect(reasonCode: .keepAliveTimeout))])
        #expect(expired.closes)
    }

    @Test func keepAliveCountsFromTheLastPacket() {
        var (machine, _) = MQTTSessionStateMachine.connected(.v3_1_1, keepAlive: 10)
        #expect(machine.packetReceived(.pingreq, now: 14_000_000_000) == [.send(.pingresp)])
        #expect(machine.keepAliveCheck(now: 28_000_000_000).isEmpty)
        let expired = machine.keepAliveCheck(now: 30_000_000_000)
        #expect(expired.packets.isEmpty)  // 3.1.1: just close
        #expect(expired.closes)
    }

    @Test func unsupportedProtocolLevelGetsReturnCode1() {
        var machine = MQTTSessionStateMachine()
        let actions = machine.decodingFailed(MQTTDecodingError(.unsupportedProtocolVersion, "level 3"), version: nil)
        #expect(actions.packets == [.connack(MQTTConnAck(reasonCode: .unsupportedProtocolVersion))])
        #expect(machine.version == .v3_1_1)
        #expect(actions.closes)
    }

    @Test func malformedPacketAfterConnect() {
        var (v5, _) = MQTTSessionStateMachine.connected(.v5)
        let actions = v5.decodingFailed(MQTTDecodingError(.malformedPacket, "bad"), version: .v5)
        #expect(actions.packets == [.disconnect(MQTTDisconnect(reasonCode: .malformedPacket))])
        #expect(actions.closes)
        var (v3, _) = MQTTSessionStateMachine.connected(.v3_1_1)
        let closed = v3.decodingFailed(MQTTDecodingError(.packetTooLarge, "big"), version: .v3_1_1)
        #expect(closed.packets.isEmpty)
        #expect(closed.closes)
    }

    @Test func packetsBeforeConnackAndSecondConnectAreProtocolErrors() {
        var machine = MQTTSessionStateMachine()
        _ = machine.connectReceived(
            MQTTConnect(protocolVersion: .v5, clientIdentifier: "a"),
            assignedIdentifier: "",
            now: 0
        )
        #expect(machine.packetReceived(.pingreq, now: 0).closes)
        var (connected, _) = MQTTSessionStateMachine.connected(.v5)
        let again = connected.packetReceived(.connect(MQTTConnect(protocolVersion: .v5, clientIdentifier: "a")), now: 0)
        #expect(again.packets == [.disconnect(MQTTDisconnect(reasonCode: .protocolError))])
    }

    @Test func willIsPublishedOnLossNotOnNormalDisconnect() {
        let will = MQTTWill(topic: "dev/status", payload: Array("offline".utf8))
        var (lost, _) = MQTTSessionStateMachine.connected(.v5, will: will)
        #expect(lost.connectionClosed() == [.ended(MQTTSessionEnd(will: will, willDelay: 0, sessionExpiry: 0))])
        var (clean, _) = MQTTSessionStateMachine.connected(.v5, will: will)
        #expect(clean.packetReceived(.disconnect(MQTTDisconnect()), now: 0).closes)
        #expect(clean.connectionClosed() == [.ended(MQTTSessionEnd(will: nil, willDelay: 0, sessionExpiry: 0))])
        var (withWill, _) = MQTTSessionStateMachine.connected(.v5, will: will)
        _ = withWill.packetReceived(.disconnect(MQTTDisconnect(reasonCode: .disconnectWithWillMessage)), now: 0)
        #expect(withWill.connectionClosed() == [.ended(MQTTSessionEnd(will: will, willDelay: 0, sessionExpiry: 0))])
    }

    @Test func willDelayComesFromTheWillProperties() {
        var properties = MQTTProperties()
        properties.willDelayInterval = 5
        let will = MQTTWill(topic: "dev/status", payload: [], properties: properties)
        var sessionProperties = MQTTProperties()
        sessionProperties.sessionExpiryInterval = 60
        var (machine, _) = MQTTSessionStateMachine.connected(.v5, properties: sessionProperties, will: will)
        #expect(machine.connectionClosed() == [.ended(MQTTSessionEnd(will: will, willDelay: 5, sessionExpiry: 60))])
        #expect(machine.isDetached)
    }

    @Test func disconnectMayNotStartASessionExpiry() {
        var (machine, _) = MQTTSessionStateMachine.connected(.v5)
        var properties = MQTTProperties()
        properties.sessionExpiryInterval = 10
        let actions = machine.packetReceived(.disconnect(MQTTDisconnect(properties: properties)), now: 0)
        #expect(actions.packets == [.disconnect(MQTTDisconnect(reasonCode: .protocolError))])
    }

    @Test func takeoverDisconnectsTheOldConnection() {
        var (machine, _) = MQTTSessionStateMachine.connected(.v5)
        let (_, actions) = machine.handOver()
        #expect(actions.packets == [.disconnect(MQTTDisconnect(reasonCode: .sessionTakenOver))])
        #expect(actions.closes)
    }
}
