import Logging
import WAMPCore

/// Authorization of a session's actions: static role permissions decide at once; a role with a
/// dynamic authorizer asks it (or the cache).
///
/// While a session waits for an authorizer, its later messages wait too, so they are routed in
/// the order they arrived: the message being authorized is put back at the head of the
/// session's deferred queue and routed again once the answer is in (which then applies to it
/// exactly once, even when the answer may not be cached).
extension Realm {
    /// The decision for `action` on `uri`, or `nil` if an authorizer was asked: `message` is then
    /// routed again when it answers.
    func authorize(
        _ record: SessionRecord, _ action: Permission.Action, _ uri: String, options: WAMPDict, message: WAMPMessage
    ) -> AuthorizationDecision? {
        let decision = self.decide(record, action, uri, options: options, message: message)
        if let decision, !decision.allowed { self.counters.authorizationDenials += 1 }
        return decision
    }

    private func decide(
        _ record: SessionRecord, _ action: Permission.Action, _ uri: String, options: WAMPDict, message: WAMPMessage
    ) -> AuthorizationDecision? {
        if let granted = record.pendingDecision, granted.action == action, granted.uri == uri {
            record.pendingDecision = nil
            return granted.decision
        }
        guard let authorizer = record.role.authorizer else {
            return record.role.decision(for: action, on: uri)
        }
        let key = AuthorizationCache.Key(role: record.authrole, uri: uri, action: action)
        let now = self.clock.now()
        if let cached = self.authorizationCache.lookup(key, now: now) { return cached }
        record.suspended = true
        record.deferred.insert(message, at: 0)
        let session = record.id
        let role = record.authrole
        let args: [WAMPValue] = [.dict(record.details), .string(uri), .string(action.rawValue), .dict(options)]
        self.callInternal(
            procedure: authorizer.procedure, args: args, timeoutMilliseconds: authorizer.timeoutMilliseconds
        ) { [self] outcome in
            let (decision, cacheable) = self.authorizerDecision(outcome, role: role, uri: uri, action: action)
            if cacheable {
                self.authorizationCache.store(
                    decision, for: key, ttlMilliseconds: Int64(authorizer.cacheTTLSeconds) * 1000, now: self.clock.now())
            }
            guard let record = self.sessions[session] else { return }
            record.pendingDecision = (action, uri, decision)
            record.suspended = false
            self.resumeDeferred(record)
        }
        return nil
    }

    /// A decision that is known now (static, or cached), else a denial: for the few places that
    /// cannot wait for an authorizer (meta procedures acting on other URIs).
    func immediateDecision(_ record: SessionRecord, _ action: Permission.Action, _ uri: String) -> AuthorizationDecision {
        guard record.role.authorizer != nil else { return record.role.decision(for: action, on: uri) }
        let key = AuthorizationCache.Key(role: record.authrole, uri: uri, action: action)
        return self.authorizationCache.lookup(key, now: self.clock.now()) ?? .deny
    }

    /// Routes what a session sent while it waited, until it has to wait again.
    func resumeDeferred(_ record: SessionRecord) {
        while !record.suspended, !record.deferred.isEmpty, self.sessions[record.id] != nil {
            let message = record.deferred.removeFirst()
            self.dispatch(message, from: record)
        }
    }

    /// A registration of `procedure` changed: decisions of the roles it authorizes are stale.
    func authorizerRegistered(_ procedure: String) {
        let roles = Set(self.configuration.roles.values.filter { $0.authorizer?.procedure == procedure }.map(\.name))
        guard !roles.isEmpty else { return }
        self.authorizationCache.invalidate(roles: roles)
        self.logger.info(
            "authorizer registered, cached decisions dropped", metadata: ["procedure": "\(procedure)", "roles": "\(roles.sorted())"])
    }

    /// Reads an authorizer's answer: `true`/`false`, or `{"allow", "disclose", "cache"}`. Anything
    /// else, errors and timeouts deny (and are not cached).
    private func authorizerDecision(
        _ outcome: InternalCallOutcome, role: String, uri: String, action: Permission.Action
    ) -> (AuthorizationDecision, cacheable: Bool) {
        let metadata: Logger.Metadata = ["authrole": "\(role)", "uri": "\(uri)", "action": "\(action.rawValue)"]
        switch outcome {
        case .result(let payload):
            let first = payload.args?.first
            if let allow = first?.boolValue {
                return (AuthorizationDecision(allowed: allow), true)
            }
            if let dict = first?.dictValue, let allow = dict["allow"]?.boolValue {
                let decision = AuthorizationDecision(allowed: allow, disclose: dict["disclose"]?.boolValue ?? false)
                return (decision, dict["cache"]?.boolValue ?? true)
            }
            self.logger.warning("authorizer answered neither a bool nor {allow: bool}; denied", metadata: metadata)
        case .error(let uri):
            self.logger.warning("authorizer failed; denied", metadata: metadata.merging(["error": "\(uri)"]) { $1 })
        case .unavailable(let reason):
            self.logger.warning("authorizer unavailable; denied", metadata: metadata.merging(["error": "\(reason)"]) { $1 })
        }
        return (.deny, false)
    }
}
