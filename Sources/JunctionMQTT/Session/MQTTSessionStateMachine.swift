import MQTTCore

/// One MQTT connection's protocol, from CONNECT to the close, as a pure state machine: the
/// connection handler feeds it packets, the realm's answers and the clock, and runs the actions
/// it returns (send a packet, publish or subscribe in the realm, close). No I/O, no clock of its
/// own: every event that needs the time takes `now` (nanoseconds of a monotonic clock).
///
/// ```
/// awaitingConnect --CONNECT--> authenticating --accepted--> connected --DISCONNECT/close--> ended
///        |                          \--refused--> closed                \--persistent--> detached
///        +--anything else, bad bytes---------------------------------------------------> closed
/// ```
///
/// `detached`: the connection is gone but the session lives on (persistent): deliveries queue
/// until a new connection takes the state over (`handOver`) or the session expires.
public struct MQTTSessionStateMachine: Sendable {
    public enum Action: Sendable, Hashable {
        case send(MQTTPacket)
        /// Check the credentials of CONNECT (and look up a stored session), then call `accepted`
        /// or `refused`. The client id is final (assigned if the client sent none).
        case authenticate(MQTTConnect)
        /// Publish in the realm. `packetIdentifier`: answer with `realmPublished` or
        /// `realmPublishFailed` (QoS ≥ 1); nil: nothing to answer.
        case publish(MQTTApplicationMessage, packetIdentifier: UInt16?)
        /// Subscribe in the realm; answer with `realmSubscribed` / `realmSubscribeFailed`.
        case subscribe(MQTTSubscribeRequest)
        /// Drop a realm subscription no filter uses any more.
        case unsubscribe(realmSubscription: UInt64)
        /// A message that could not be delivered or queued (for the log).
        case dropped(topic: String, reason: String)
        /// Close the connection (after what was sent); `reason` is for the log.
        case close(reason: String)
        /// The connection ended: publish the will, keep or end the session.
        case ended(MQTTSessionEnd)
        /// Leave the will with the realm as the session's testament: the realm publishes it when
        /// the session goes away (connection lost, router shutdown, the session ended by the
        /// router or a dead cluster node) unless `discardWill` or `willPublished` came first.
        case armWill(MQTTWill)
        /// Drop the testament of `armWill` unpublished (a normal DISCONNECT, a takeover that
        /// continues the session).
        case discardWill
    }

    /// A realm subscription to make for one filter of a SUBSCRIBE (or a restored session).
    public struct MQTTSubscribeRequest: Sendable, Hashable {
        public var filter: String
        public var realm: MQTTTopicMapping.RealmSubscription
        public var getRetained: Bool
        /// Hand back in the answer.
        public var token: SubscribeToken
    }

    /// Which SUBSCRIBE (packet id, 0 for a restored session) and which of its filters.
    public struct SubscribeToken: Sendable, Hashable {
        public var packetIdentifier: UInt16
        public var index: Int
        /// The subscription's key in `MQTTSessionState.subscriptions`.
        public var key: String
    }

    enum Phase: Sendable, Hashable {
        case awaitingConnect
        case authenticating
        case connected
        case detached
        case closed
    }

    let configuration: MQTTSessionConfiguration
    var phase: Phase = .awaitingConnect
    public private(set) var version: MQTTProtocolVersion = .v5
    public private(set) var clientIdentifier = ""
    var assignedIdentifier = false
    var cleanStart = true
    /// Seconds; 0: off.
    public private(set) var keepAlive: UInt16 = 0
    var lastPacketAt: UInt64 = 0
    /// The will armed with the realm and neither published nor discarded yet (it outlives the
    /// connection while its delay runs).
    public private(set) var will: MQTTWill?
    var sessionExpiry: UInt32 = 0
    /// The state that survives the connection when the session is persistent.
    public internal(set) var session = MQTTSessionState()

    // Per connection, never persisted.
    var clientReceiveMaximum: Int = 65_535
    var clientMaximumPacketSize: Int?
    var clientTopicAliasMaximum: UInt16 = 0
    var inboundAliases: [UInt16: String] = [:]
    var outboundAliases: [String: UInt16] = [:]
    /// QoS ≥ 1 publications handed to the realm, by packet id, not yet answered.
    var awaitingRealm: [UInt16: MQTTApplicationMessage] = [:]
    /// Publications already delivered in one PUBLISH for all of this client's matching
    /// subscriptions, with the realm subscriptions whose EVENT for it is still to come (and to be
    /// skipped): the realm sends one EVENT per subscription, MQTT wants one PUBLISH per client.
    var mergedPublications: [UInt64: Set<UInt64>] = [:]
    /// The reason codes of SUBSCRIBEs waiting for the realm, by packet id.
    var pendingSubAcks: [UInt16: [MQTTReasonCode?]] = [:]

    public init(configuration: MQTTSessionConfiguration = MQTTSessionConfiguration()) {
        self.configuration = configuration
    }

    public var isConnected: Bool { self.phase == .connected }
    public var isDetached: Bool { self.phase == .detached }

    // MARK: CONNECT

    /// The first packet. `assignedIdentifier` is used when the client sent an empty client id.
    public mutating func connectReceived(_ connect: MQTTConnect, assignedIdentifier: String, now: UInt64) -> [Action] {
        guard self.phase == .awaitingConnect else {
            return self.protocolError("second CONNECT")
        }
        self.version = connect.protocolVersion
        self.lastPacketAt = now
        var connect = connect
        if connect.clientIdentifier.isEmpty {
            guard connect.cleanStart || connect.protocolVersion == .v5 else {
                self.phase = .closed
                return [
                    .send(.connack(MQTTConnAck(reasonCode: .clientIdentifierNotValid))),
                    .close(reason: "empty client id without clean session"),
                ]
            }
            connect.clientIdentifier = assignedIdentifier
            self.assignedIdentifier = true
        }
        if let method = connect.properties.authenticationMethod {
            // Enhanced authentication (AUTH exchanges) is refused on purpose, see docs/mqtt.md:
            // 0x8C is what MQTT 5.0 §4.12 gives a server for a method it does not support.
            self.phase = .closed
            return [
                .send(.connack(MQTTConnAck(reasonCode: .badAuthenticationMethod))),
                .close(
                    reason: "enhanced authentication method '\(method)' refused: only user name and password "
                        + "(ticket, JWT, dynamic authenticator) and TLS client certificates are supported"
                ),
            ]
        }
        self.clientIdentifier = connect.clientIdentifier
        self.cleanStart = connect.cleanStart
        self.keepAlive = connect.keepAlive
        self.requestedKeepAlive = connect.keepAlive
        self.requestedSessionExpiry = connect.properties.sessionExpiryInterval ?? 0
        let maximum = self.configuration.maximumKeepAlive
        if maximum > 0, self.keepAlive == 0 || self.keepAlive > maximum { self.keepAlive = maximum }
        self.will = connect.will
        switch connect.protocolVersion {
        case .v3_1_1:
            self.sessionExpiry = connect.cleanStart ? 0 : self.configuration.maximumSessionExpiry
            // 3.1.1 has no Receive Maximum: the router's own window applies to the client too.
            self.clientReceiveMaximum = Int(self.configuration.receiveMaximum)
        case .v5:
            self.sessionExpiry = min(
                connect.properties.sessionExpiryInterval ?? 0,
                self.configuration.maximumSessionExpiry
            )
            self.clientReceiveMaximum = Int(connect.properties.receiveMaximum ?? 65_535)
            self.clientMaximumPacketSize = connect.properties.maximumPacketSize.map { Int($0) }
            self.clientTopicAliasMaximum = connect.properties.topicAliasMaximum ?? 0
        }
        self.phase = .authenticating
        return [.authenticate(connect)]
    }

    /// The credentials are good. `previous`: the stored (or taken-over) state of this client id;
    /// used unless the client asked for a clean start.
    public mutating func accepted(previous: MQTTSessionState?, now: UInt64) -> [Action] {
        guard self.phase == .authenticating else { return [] }
        self.phase = .connected
        self.lastPacketAt = now
        let resumed = !self.cleanStart ? previous : nil
        var connack = MQTTConnAck(sessionPresent: resumed != nil)
        if self.version == .v5 {
            var properties = MQTTProperties()
            properties.receiveMaximum = self.configuration.receiveMaximum
            properties.topicAliasMaximum = self.configuration.topicAliasMaximum
            properties.maximumPacketSize = UInt32(self.configuration.maximumPacketSize)
            properties.retainAvailable = true
            properties.wildcardSubscriptionAvailable = true
            properties.subscriptionIdentifierAvailable = true
            properties.sharedSubscriptionAvailable = self.configuration.sharedSubscriptions
            if self.assignedIdentifier { properties.assignedClientIdentifier = self.clientIdentifier }
            if self.keepAlive != self.requestedKeepAlive { properties.serverKeepAlive = self.keepAlive }
            if self.sessionExpiry != self.requestedSessionExpiry {
                properties.sessionExpiryInterval = self.sessionExpiry
            }
            connack.properties = properties
        }
        var actions: [Action] = [.send(.connack(connack))]
        if let will = self.will { actions.append(.armWill(will)) }
        guard let resumed else { return actions }
        self.resubscribe(resumed, into: &actions)
        // Redeliver what was in flight, in the order it was first sent, then what queued.
        for (id, inflight) in self.session.inflight.sorted(by: { $0.value.sequence < $1.value.sequence }) {
            if inflight.released {
                actions.append(.send(.pubrel(MQTTPublishAck(packetIdentifier: id))))
            } else {
                actions.append(
                    contentsOf: self.publishPacket(inflight.outbound, packetIdentifier: id, dup: true, now: now)
                )
            }
        }
        self.drainQueue(now: now, into: &actions)
        return actions
    }

    /// A stored session rejoins its realm at start, before its client is back: detached, with
    /// its subscriptions made again in the realm, so it queues what is published until a
    /// connection takes it over (`handOver`) or it expires. No will: none is stored.
    public mutating func restored(
        clientIdentifier: String,
        session: MQTTSessionState,
        sessionExpiry: UInt32
    ) -> [Action] {
        guard self.phase == .awaitingConnect else { return [] }
        self.phase = .detached
        self.clientIdentifier = clientIdentifier
        self.cleanStart = false
        self.sessionExpiry = sessionExpiry
        var actions: [Action] = []
        self.resubscribe(session, into: &actions)
        return actions
    }

    /// Takes `state` as the session's and subscribes each of its filters in the realm again.
    private mutating func resubscribe(_ state: MQTTSessionState, into actions: inout [Action]) {
        self.session = state
        for key in state.subscriptions.keys.sorted() {
            guard var entry = self.session.subscriptions[key] else { continue }
            entry.realmSubscription = nil
            self.session.subscriptions[key] = entry
            actions.append(
                .subscribe(
                    MQTTSubscribeRequest(
                        filter: entry.filter,
                        realm: MQTTTopicMapping.realmSubscription(forFilter: entry.filter),
                        getRetained: false,
                        token: SubscribeToken(packetIdentifier: 0, index: 0, key: key)
                    )
                )
            )
        }
    }

    /// The credentials were refused (`reason`: 0x86, 0x87, 0x88 ...).
    public mutating func refused(_ reason: MQTTReasonCode, log: String) -> [Action] {
        guard self.phase == .authenticating else { return [] }
        self.phase = .closed
        return [.send(.connack(MQTTConnAck(reasonCode: reason))), .close(reason: log)]
    }

    // MARK: Packets

    /// A packet after CONNECT.
    public mutating func packetReceived(_ packet: MQTTPacket, now: UInt64) -> [Action] {
        switch self.phase {
        case .connected:
            break
        case .awaitingConnect:
            if case .connect(let connect) = packet {
                return self.connectReceived(connect, assignedIdentifier: "", now: now)
            }
            return self.protocolError("\(packet.type) before CONNECT")
        case .authenticating:
            return self.protocolError("\(packet.type) before CONNACK")
        case .detached, .closed:
            return []
        }
        self.lastPacketAt = now
        switch packet {
        case .publish(let publish): return self.publishReceived(publish, now: now)
        case .puback(let ack): return self.pubackReceived(ack, now: now)
        case .pubrec(let ack): return self.pubrecReceived(ack)
        case .pubrel(let ack): return self.pubrelReceived(ack)
        case .pubcomp(let ack): return self.pubcompReceived(ack, now: now)
        case .subscribe(let subscribe): return self.subscribeReceived(subscribe)
        case .unsubscribe(let unsubscribe): return self.unsubscribeReceived(unsubscribe)
        case .pingreq: return [.send(.pingresp)]
        case .disconnect(let disconnect): return self.disconnectReceived(disconnect)
        case .connect: return self.protocolError("second CONNECT")
        case .auth: return self.protocolError("AUTH without an authentication method")
        case .connack, .suback, .unsuback, .pingresp:
            return self.protocolError("\(packet.type) may only be sent by a server")
        }
    }

    /// The bytes were not a valid packet (`error.reasonCode` says why).
    public mutating func decodingFailed(_ error: MQTTDecodingError, version: MQTTProtocolVersion?) -> [Action] {
        let log = "\(error)"
        switch self.phase {
        case .awaitingConnect, .authenticating:
            self.phase = .closed
            if error.reasonCode == .unsupportedProtocolVersion {
                // Answered the 3.1.1 way (return code 1), which every client version understands.
                self.version = .v3_1_1
                return [.send(.connack(MQTTConnAck(reasonCode: .unsupportedProtocolVersion))), .close(reason: log)]
            }
            if let version {
                self.version = version
                if version == .v5 || error.connectReturnCode != nil {
                    return [
                        .send(.connack(MQTTConnAck(reasonCode: Self.connackReason(error.reasonCode)))),
                        .close(reason: log),
                    ]
                }
            }
            return [.close(reason: log)]
        case .connected:
            return self.disconnect(error.reasonCode, log: log)
        case .detached, .closed:
            return []
        }
    }

    private static func connackReason(_ code: MQTTReasonCode) -> MQTTReasonCode {
        code.isAllowed(in: .connack) ? code : .unspecifiedError
    }

    // MARK: Time

    /// The keep-alive check, called periodically: a client silent for one and a half keep-alive
    /// periods is disconnected (5.0: 0x8D).
    public mutating func keepAliveCheck(now: UInt64) -> [Action] {
        guard self.phase == .connected, self.keepAlive > 0 else { return [] }
        let limit = UInt64(self.keepAlive) * 1_500_000_000
        guard now >= self.lastPacketAt, now - self.lastPacketAt > limit else { return [] }
        return self.disconnect(.keepAliveTimeout, log: "keep-alive of \(self.keepAlive) s expired")
    }

    // MARK: The end

    /// The transport closed (or is about to: after `close`). Decides will and persistence.
    public mutating func connectionClosed() -> [Action] {
        switch self.phase {
        case .connected:
            let end = MQTTSessionEnd(
                will: self.will,
                willDelay: self.will?.properties.willDelayInterval ?? 0,
                sessionExpiry: self.sessionExpiry
            )
            self.resetConnectionState()
            self.phase = self.sessionExpiry > 0 ? .detached : .closed
            return [.ended(end)]
        case .awaitingConnect, .authenticating:
            self.phase = .closed
            return []
        case .detached, .closed:
            return []
        }
    }

    /// A new connection of the same client id takes the session: an online one is told (5.0:
    /// DISCONNECT 0x8E) and closed. Returns the state to carry over and the actions.
    ///
    /// The will (armed, or waiting for its delay) is published when the session ends here: it
    /// was not persistent, or the new connection starts clean (`newCleanStart`). A persistent
    /// session continued by the new connection discards it (MQTT 5.0 §3.1.3.2.2: a connection
    /// to the session made before the will delay passed; mosquitto does the same for 3.1.1).
    public mutating func handOver(newCleanStart: Bool = false) -> (state: MQTTSessionState, actions: [Action]) {
        var actions: [Action] = []
        // Before the close: closing may end the realm session, which would publish the testament.
        if self.will != nil, self.sessionExpiry > 0, !newCleanStart { actions.append(.discardWill) }
        if self.phase == .connected {
            if self.version == .v5 {
                actions.append(.send(.disconnect(MQTTDisconnect(reasonCode: .sessionTakenOver))))
            }
            actions.append(.close(reason: "session taken over by a new connection"))
        }
        self.will = nil
        self.resetConnectionState()
        self.phase = .closed
        let state = self.session
        self.session = MQTTSessionState()
        return (state, actions)
    }

    /// The handler published the will itself (its delay passed while the session lives on), or
    /// the realm did (the session ended).
    public mutating func willPublished() {
        self.will = nil
    }

    /// A detached session expired.
    public mutating func expired() {
        self.will = nil
        self.phase = .closed
        self.session = MQTTSessionState()
    }

    private mutating func disconnectReceived(_ disconnect: MQTTDisconnect) -> [Action] {
        if self.version == .v5 {
            if let expiry = disconnect.properties.sessionExpiryInterval {
                if self.sessionExpiry == 0 && expiry > 0 {
                    return self.protocolError("DISCONNECT sets a session expiry after CONNECT set none")
                }
                self.sessionExpiry = min(expiry, self.configuration.maximumSessionExpiry)
            }
        }
        guard disconnect.reasonCode != .disconnectWithWillMessage, self.will != nil else {
            return [.close(reason: "client disconnected")]
        }
        self.will = nil
        return [.discardWill, .close(reason: "client disconnected")]
    }

    /// Ends the connection for a protocol failure: 5.0 DISCONNECT with `reason`, 3.1.1 just closes.
    mutating func disconnect(_ reason: MQTTReasonCode, log: String) -> [Action] {
        guard self.phase == .connected || self.phase == .authenticating || self.phase == .awaitingConnect else {
            return []
        }
        var actions: [Action] = []
        if self.version == .v5, self.phase == .connected, reason.isAllowed(in: .disconnect) {
            actions.append(.send(.disconnect(MQTTDisconnect(reasonCode: reason))))
        }
        actions.append(.close(reason: log))
        return actions
    }

    mutating func protocolError(_ log: String) -> [Action] {
        if self.phase == .awaitingConnect || self.phase == .authenticating {
            self.phase = .closed
            return [.close(reason: log)]
        }
        return self.disconnect(.protocolError, log: log)
    }

    private mutating func resetConnectionState() {
        self.inboundAliases = [:]
        self.outboundAliases = [:]
        self.awaitingRealm = [:]
        self.pendingSubAcks = [:]
    }

    // Remembered for CONNACK: what the client asked, to announce what differs.
    var requestedKeepAlive: UInt16 = 0
    var requestedSessionExpiry: UInt32 = 0
}
