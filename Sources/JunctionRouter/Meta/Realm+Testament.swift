import WAMPCore

/// Session testaments (`wamp.session.add_testament`, `wamp.session.flush_testaments`): events a
/// session leaves with the router, published when it goes away. Junction has no session
/// resumption, so a session is detached and destroyed at once: `detached` testaments are
/// published first, then `destroyed` ones, each in the order they were added.
extension Realm {
    func metaAddTestament(_ call: WAMPMessage.Call, caller: SessionRecord) -> MetaReply {
        guard let topic = Self.argument(call, 0)?.stringValue,
            self.isValidURI(topic), !URIValidation.isReserved(topic)
        else {
            return .error(WAMPErrorURI.invalidURI, "the testament topic must be a valid application URI")
        }
        guard self.immediateDecision(caller, .publish, topic).allowed else {
            return .error(WAMPErrorURI.notAuthorized, "not allowed to publish to '\(topic)'")
        }
        let args = Self.argument(call, 1)
        let kwargs = Self.argument(call, 2)
        guard args == nil || args?.isNull == true || args?.listValue != nil,
            kwargs == nil || kwargs?.isNull == true || kwargs?.dictValue != nil
        else {
            return Self.invalidArgument("args must be a list and kwargs a dict")
        }
        let options = call.payload.kwargs?["publish_options"]?.dictValue ?? [:]
        guard let scope = Self.testamentScope(call) else {
            return Self.invalidArgument("scope must be 'detached' or 'destroyed'")
        }
        let testament = Testament(
            topic: topic, payload: .init(args: args?.listValue ?? [], kwargs: kwargs?.dictValue), options: options)
        self.addTestament(testament, scope: scope, to: caller)
        return .empty
    }

    func metaFlushTestaments(_ call: WAMPMessage.Call, caller: SessionRecord) -> MetaReply {
        guard let scope = Self.testamentScope(call) else {
            return Self.invalidArgument("scope must be 'detached' or 'destroyed'")
        }
        let flushed = self.flushTestaments(scope: scope, of: caller)
        return .value(.uint(UInt64(flushed)))
    }

    /// The one place a testament is recorded (the meta API and other transports' own testaments,
    /// such as MQTT wills, come through here).
    func addTestament(_ testament: Testament, scope: TestamentScope, to record: SessionRecord) {
        record.testaments[scope, default: []].append(testament)
        self.testamentsChanged(record)
    }

    /// The one place testaments are dropped unpublished; returns how many.
    @discardableResult
    func flushTestaments(scope: TestamentScope, of record: SessionRecord) -> Int {
        let flushed = record.testaments.removeValue(forKey: scope)?.count ?? 0
        if flushed > 0 { self.testamentsChanged(record) }
        return flushed
    }

    /// A transport's own testament (an MQTT will), on the realm's loop: published with
    /// `options` when the session goes away, like `wamp.session.add_testament` with scope
    /// `destroyed`, and authorized the same way (the role must allow publishing to `topic`
    /// now). `.flush` drops the session's `destroyed` testaments.
    public func changeTestament(session id: UInt64, _ change: TestamentChange) {
        self.eventLoop.preconditionInEventLoop()
        guard let record = self.sessions[id] else { return }
        switch change {
        case .add(let topic, let payload, let options):
            guard self.isValidURI(topic), !URIValidation.isReserved(topic) else {
                self.logger.warning(
                    "testament refused: invalid topic", metadata: ["session": "\(id)", "topic": "\(topic)"])
                return
            }
            guard self.immediateDecision(record, .publish, topic).allowed else {
                self.logger.warning(
                    "testament refused: not allowed to publish", metadata: ["session": "\(id)", "topic": "\(topic)"])
                return
            }
            let testament = Testament(topic: topic, payload: payload, options: options)
            self.addTestament(testament, scope: .destroyed, to: record)
        case .flush:
            self.flushTestaments(scope: .destroyed, of: record)
        }
    }

    private static func testamentScope(_ call: WAMPMessage.Call) -> TestamentScope? {
        guard let value = call.payload.kwargs?["scope"], !value.isNull else { return .destroyed }
        return value.stringValue.flatMap(TestamentScope.init(rawValue:))
    }

    /// Publishes a departing session's testaments (at shutdown too: a retained testament is kept,
    /// and subscribers still connected get it before their GOODBYE).
    func publishTestaments(of record: SessionRecord) {
        let had = !record.testaments.isEmpty
        for scope in [TestamentScope.detached, .destroyed] {
            for testament in record.testaments[scope] ?? [] {
                var options = testament.options
                options["acknowledge"] = nil
                self.publish(to: testament.topic, payload: testament.payload, options: options, publisher: record)
            }
        }
        record.testaments = [:]
        // Published here: the cluster forgets them, or they would fire again if this node died.
        if had { self.testamentsChanged(record) }
    }
}

/// A change to a session's testament made by its transport rather than through the meta API.
public indirect enum TestamentChange: Sendable {
    /// Publish `payload` to `topic` with `options` (PUBLISH options) when the session goes away.
    case add(topic: String, payload: Payload, options: WAMPDict)
    /// Forget the testaments added so far.
    case flush
}
