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
        caller.testaments[scope, default: []].append(testament)
        self.testamentsChanged(caller)
        return .empty
    }

    func metaFlushTestaments(_ call: WAMPMessage.Call, caller: SessionRecord) -> MetaReply {
        guard let scope = Self.testamentScope(call) else {
            return Self.invalidArgument("scope must be 'detached' or 'destroyed'")
        }
        let flushed = caller.testaments.removeValue(forKey: scope)?.count ?? 0
        if flushed > 0 { self.testamentsChanged(caller) }
        return .value(.uint(UInt64(flushed)))
    }

    private static func testamentScope(_ call: WAMPMessage.Call) -> TestamentScope? {
        guard let value = call.payload.kwargs?["scope"], !value.isNull else { return .destroyed }
        return value.stringValue.flatMap(TestamentScope.init(rawValue:))
    }

    /// Publishes a departing session's testaments; the session is already out of `sessions`.
    func publishTestaments(of record: SessionRecord) {
        guard !self.closed else { return }
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
