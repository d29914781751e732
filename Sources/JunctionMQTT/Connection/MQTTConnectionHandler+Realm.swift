import JunctionRouter
import MQTTCore
import NIOCore
import WAMPCore

/// The session on the realm: MQTT PUBLISH/SUBSCRIBE as WAMP requests, the realm's answers and
/// events back into the machine, the will, persistence and takeover.
extension MQTTConnectionHandler {
    /// Hands a WAMP message of this session to its realm (directly on the realm's loop).
    func route(_ message: WAMPMessage) {
        guard let realm = self.realm, let session = self.sessionID else { return }
        if let mailbox = self.realmMailbox {
            mailbox.post(.route(realm, message, session: session))
        } else {
            realm.receive(message, from: session)
        }
    }

    /// Arms or drops the will's testament, in order with the session's messages.
    func changeTestament(_ change: TestamentChange) {
        guard let realm = self.realm, let session = self.sessionID else { return }
        if let mailbox = self.realmMailbox {
            mailbox.post(.testament(realm, session: session, change))
        } else {
            realm.changeTestament(session: session, change)
        }
    }

    func leaveRealm() {
        guard let realm = self.realm, let session = self.sessionID else { return }
        self.sessionID = nil
        if let mailbox = self.realmMailbox {
            mailbox.post(.leave(realm, session: session))
        } else {
            realm.leave(session: session, reason: "MQTT session ended")
        }
    }

    /// Every publication is acknowledged by the realm, QoS 0 too: a refusal is then logged.
    func publishInRealm(_ message: MQTTApplicationMessage, packetIdentifier: UInt16?) {
        let request = self.makeRequestID()
        self.pendingPublishes[request] = packetIdentifier ?? 0
        self.route(self.publication(of: message, request: request, acknowledge: true))
    }

    func publication(of message: MQTTApplicationMessage, request: UInt64, acknowledge: Bool) -> WAMPMessage {
        var options: WAMPDict = [
            MQTTMessageOptions.key: MQTTMessageOptions.value(for: message, publishedAt: WallClock.system.now())
        ]
        if acknowledge { options["acknowledge"] = true }
        if message.retain { options["retain"] = true }
        return .publish(
            .init(
                request: request,
                options: options,
                topic: MQTTTopicMapping.uri(forTopic: message.topic),
                payload: self.shared.endpoint.payload.payload(fromMQTT: message.payload, topic: message.topic)
            )
        )
    }

    func subscribeInRealm(_ request: MQTTSessionStateMachine.MQTTSubscribeRequest) {
        let id = self.makeRequestID()
        self.pendingSubscribes[id] = (request.token, request.realm)
        var options: WAMPDict = [:]
        if request.realm.match != .exact { options["match"] = .string(request.realm.match.rawValue) }
        if request.getRetained { options["get_retained"] = true }
        self.route(.subscribe(.init(request: id, options: options, topic: request.realm.uri)))
    }

    // MARK: DeliveryTarget

    public func deliver(_ message: WAMPMessage) {
        let now = Self.now
        switch message {
        case .event(let event):
            self.eventReceived(event, now: now)
        case .published(let published):
            guard let id = self.pendingPublishes.removeValue(forKey: published.request), id != 0 else { return }
            if self.persistence?.acknowledgesAfterCommit == true {
                self.acknowledgeWhenDurable(id)
                return
            }
            self.run(self.machine.realmPublished(packetIdentifier: id, now: now))
        case .subscribed(let subscribed):
            guard let (token, plan) = self.pendingSubscribes.removeValue(forKey: subscribed.request) else { return }
            if plan.match == .exact { self.exactURIs[subscribed.subscription] = plan.uri }
            if let entry = self.machine.session.subscriptions[token.key], let shareName = entry.shareName {
                let group = MQTTBroker.groupKey(
                    realm: self.shared.endpoint.realm,
                    shareName: shareName,
                    filter: entry.filter
                )
                self.groups[token.key] = group
                if let owner = self.owner {
                    self.shared.broker.join(group: group, member: self.memberToken, owner: owner)
                }
            }
            self.run(self.machine.realmSubscribed(token, subscription: subscribed.subscription))
        case .error(let error):
            let reason = Self.reasonCode(for: error.error)
            switch error.requestType {
            case .publish:
                guard let id = self.pendingPublishes.removeValue(forKey: error.request) else { return }
                self.logger.warning(
                    "MQTT publication refused by the realm",
                    metadata: ["error": "\(error.error)"]
                )
                if id != 0 { self.run(self.machine.realmPublishFailed(packetIdentifier: id, reason: reason)) }
            case .subscribe:
                guard let (token, _) = self.pendingSubscribes.removeValue(forKey: error.request) else { return }
                self.logger.warning(
                    "MQTT subscription refused by the realm",
                    metadata: ["filter": "\(token.key)", "error": "\(error.error)"]
                )
                self.run(self.machine.realmSubscribeFailed(token, reason: reason))
            default:
                break
            }
        default:
            break
        }
    }

    public func deliver(_ message: SharedMessage, fromOtherLoop: Bool) {
        self.deliver(message.message)
    }

    private func eventReceived(_ event: WAMPMessage.Event, now: UInt64) {
        guard let uri = event.details["topic"]?.stringValue ?? self.exactURIs[event.subscription] else { return }
        let retained = event.details["retained"]?.boolValue ?? false
        let message: MQTTApplicationMessage
        if !retained, let memo = self.deliveries {
            // Shared by every MQTT subscriber of this loop: converted once per publication.
            message = memo.message(publication: event.publication, uri: uri) { Self.message(of: event, uri: uri) }
            self.delivering = event.publication
        } else {
            // A retained copy's expiry counts from now, not from when it was fanned out.
            message = Self.message(of: event, uri: uri)
        }
        defer { self.delivering = nil }
        guard !message.topic.isEmpty else { return }
        let (broker, realm, member, publication) = (
            self.shared.broker, self.shared.endpoint.realm, self.memberToken, event.publication
        )
        self.run(
            self.machine.eventReceived(
                subscription: event.subscription,
                publication: event.publication,
                message: message,
                retained: retained,
                now: now,
                deliverShared: { shareName, filter in
                    broker.isChosen(
                        group: MQTTBroker.groupKey(realm: realm, shareName: shareName, filter: filter),
                        member: member,
                        publication: publication
                    )
                }
            )
        )
    }

    /// The MQTT message an EVENT on `uri` delivers (an empty topic: the URI has no MQTT topic).
    static func message(of event: WAMPMessage.Event, uri: String) -> MQTTApplicationMessage {
        MQTTMessageOptions.message(
            topic: MQTTTopicMapping.topic(forURI: uri) ?? "",
            payload: MQTTPayloadMapping.mqttPayload(from: event.payload),
            details: event.details,
            now: WallClock.system.now()
        )
    }

    /// The realm ended the session (shutdown, kill): it already forgot it.
    public func routerGoodbye(reason: String, message: String?) {
        self.realmEnded(
            reason == WAMPErrorURI.systemShutdown ? .serverShuttingDown : .administrativeAction,
            log: reason
        )
    }

    public func routerAbort(_ abort: WAMPMessage.Abort) {
        self.realmEnded(.administrativeAction, log: abort.reason)
    }

    private func realmEnded(_ reason: MQTTReasonCode, log: String) {
        self.sessionID = nil
        if reason == .serverShuttingDown {
            // The session outlives the router's shutdown on disk, as it would a crash.
            self.persisted = nil
        }
        if self.machine.isConnected, self.machine.version == .v5 {
            self.write(.disconnect(MQTTDisconnect(reasonCode: reason)))
        }
        self.machine.expired()
        self.endSession()
        self.run(.close(reason: "the router ended the session: \(log)"))
    }

    /// The realm's answer to the join (WELCOME or ABORT on the WAMP side).
    public func joinCompleted(_ outcome: Realm.JoinOutcome) {
        switch outcome {
        case .welcome(let session, let details):
            self.runEstablishment(self.wamp.joined(session: session, details: details))
        case .abort(let abort):
            self.runEstablishment(self.wamp.joinRefused(abort))
        }
    }

    static func reasonCode(for error: String) -> MQTTReasonCode {
        switch error {
        case WAMPErrorURI.notAuthorized: return .notAuthorized
        case WAMPErrorURI.invalidURI: return .topicNameInvalid
        case WAMPErrorURI.limitExceeded: return .quotaExceeded
        default: return .unspecifiedError
        }
    }

    // MARK: Takeover, will, persistence

    /// Authenticated: claim the client id, take over a previous session, then CONNACK.
    func established(session: UInt64) {
        guard let bound = self.loopBoundSelf, let connect = self.connect else { return }
        self.sessionID = session
        self.connectTimer?.cancel()
        let owner = Owner(bound)
        self.owner = owner
        let previous = self.shared.broker.claim(
            realm: self.shared.endpoint.realm,
            clientID: connect.clientIdentifier,
            by: owner
        )
        guard let previous else {
            let stored = self.storedSession(clientID: connect.clientIdentifier)
            self.resume(previous: stored?.state, journal: stored?.journal)
            return
        }
        let cleanStart = connect.cleanStart
        previous.bound.eventLoop.execute {
            let state = previous.bound.value.handOver(newCleanStart: cleanStart)
            let journal = previous.bound.value.takeJournal()
            bound.eventLoop.execute { bound.value.resume(previous: state, journal: journal) }
        }
    }

    private func resume(previous: MQTTSessionState?, journal: MQTTSessionJournal? = nil) {
        guard self.context != nil else {
            // Gone while the previous session was handed over: a detached new one would have no
            // subscriptions in the realm yet; end it.
            self.endSession()
            return
        }
        self.logger.info(
            "MQTT client connected",
            metadata: [
                "protocol": "\(self.machine.version)",
                "resumed": "\(previous != nil && !(self.connect?.cleanStart ?? true))",
            ]
        )
        self.startJournal(journal)
        self.run(self.machine.accepted(previous: previous, now: Self.now))
        self.startKeepAlive()
    }

    /// A newer connection takes this session: returns its state and lets the realm session go
    /// (which publishes the will's testament unless the machine discarded it).
    func handOver(newCleanStart: Bool) -> MQTTSessionState {
        self.willTimer?.cancel()
        self.willTimer = nil
        self.expiryTimer?.cancel()
        self.expiryTimer = nil
        let (state, actions) = self.machine.handOver(newCleanStart: newCleanStart)
        self.run(actions)
        self.leaveGroups()
        self.leaveRealm()
        self.owner = nil
        return state
    }

    /// The connection is gone. The will is the realm session's testament: when the session
    /// ends with the connection (or when its delay ends a non-persistent session) leaving the
    /// realm publishes it; a persistent session that outlives the will's delay publishes it
    /// itself.
    func sessionEnded(_ end: MQTTSessionEnd) {
        self.leaveGroups()
        guard let bound = self.loopBoundSelf, let loop = self.loop?.eventLoop else { return }
        if let will = end.will {
            let delay = end.sessionExpiry > 0 ? min(end.willDelay, end.sessionExpiry) : end.willDelay
            if delay == 0, end.sessionExpiry > 0 {
                self.publishWill(will)
            } else if delay == 0 {
                self.logger.info(
                    "the MQTT will goes out as the session's testament",
                    metadata: ["topic": "\(will.topic)"]
                )
            } else {
                self.willTimer = loop.scheduleTask(in: .seconds(Int64(delay))) {
                    let handler = bound.value
                    handler.willTimer = nil
                    if handler.machine.isDetached {
                        handler.publishWill(will)
                    } else {
                        handler.logger.info("the will delay passed", metadata: ["topic": "\(will.topic)"])
                        handler.endSession()
                    }
                }
            }
        }
        if end.sessionExpiry == 0 {
            if self.willTimer == nil { self.endSession() }
            return
        }
        self.logger.info("MQTT session kept", metadata: ["expiry": "\(end.sessionExpiry) s"])
        self.expiryTimer = loop.scheduleTask(in: .seconds(Int64(end.sessionExpiry))) {
            let handler = bound.value
            handler.expiryTimer = nil
            handler.logger.info("MQTT session expired")
            handler.machine.expired()
            handler.endSession()
        }
    }

    /// The will's delay passed while the session lives on: its testament is dropped and the
    /// session publishes it.
    func publishWill(_ will: MQTTWill) {
        self.logger.info("publishing the MQTT will", metadata: ["topic": "\(will.topic)"])
        self.machine.willPublished()
        self.changeTestament(.flush)
        self.route(self.publication(of: Self.willMessage(will), request: self.makeRequestID(), acknowledge: false))
    }

    static func willMessage(_ will: MQTTWill) -> MQTTApplicationMessage {
        MQTTApplicationMessage(
            topic: will.topic,
            payload: will.payload,
            qos: will.qos,
            retain: will.retain,
            properties: MQTTApplicationMessage.messageProperties(of: will.properties)
        )
    }

    /// Leaves the will with the realm as this session's testament.
    func armWill(_ will: MQTTWill) {
        let uri = MQTTTopicMapping.uri(forTopic: will.topic)
        self.changeTestament(.add(topic: uri, payload: self.willPayload(will), options: self.willOptions(will)))
    }

    /// The testament's payload: the will's, mapped as a publication's would be.
    func willPayload(_ will: MQTTWill) -> Payload {
        self.shared.endpoint.payload.payload(fromMQTT: will.payload, topic: will.topic)
    }

    /// The testament's PUBLISH options: those of the will's publication, without a publication
    /// time (a message expiry counts from when the realm publishes it).
    func willOptions(_ will: MQTTWill) -> WAMPDict {
        let message = Self.willMessage(will)
        var options: WAMPDict = [MQTTMessageOptions.key: MQTTMessageOptions.value(for: message)]
        if message.retain { options["retain"] = true }
        return options
    }

    /// The session is over: out of the realm and the broker.
    func endSession() {
        self.willTimer?.cancel()
        self.willTimer = nil
        self.expiryTimer?.cancel()
        self.expiryTimer = nil
        self.redispatchSharedMessages()
        self.forgetStoredSession()
        self.leaveGroups()
        self.leaveRealm()
        if let owner = self.owner {
            // A session rejoined at start has no CONNECT; its machine knows the client id.
            let clientID = self.connect?.clientIdentifier ?? self.machine.clientIdentifier
            self.shared.broker.release(realm: self.shared.endpoint.realm, clientID: clientID, by: owner)
        }
        self.owner = nil
    }

    /// Messages of shared subscriptions this client did not receive go to another member of
    /// their group (MQTT 5.0 §4.8.2), on that member's loop.
    private func redispatchSharedMessages() {
        let orphans = self.machine.takeSharedMessages()
        guard !orphans.isEmpty else { return }
        let realm = self.shared.endpoint.realm
        for outbound in orphans {
            guard let share = outbound.share else { continue }
            let group = MQTTBroker.groupKey(realm: realm, shareName: share.shareName, filter: share.filter)
            self.groups = self.groups.filter { $0.value != group }
            guard let heir = self.shared.broker.leave(group: group, member: self.memberToken) else {
                self.logger.info(
                    "shared message dropped: no member left",
                    metadata: ["topic": "\(outbound.message.topic)"]
                )
                continue
            }
            heir.bound.eventLoop.execute {
                let handler = heir.bound.value
                handler.run(handler.machine.redispatched(outbound, now: Self.now))
            }
        }
    }

    func leaveGroups() {
        for group in self.groups.values { self.shared.broker.leave(group: group, member: self.memberToken) }
        self.groups = [:]
    }

    /// After UNSUBSCRIBE: groups whose subscription is gone.
    func leaveUnusedGroups() {
        for (key, group) in self.groups where self.machine.session.subscriptions[key] == nil {
            self.shared.broker.leave(group: group, member: self.memberToken)
            self.groups[key] = nil
        }
    }
}
