/// A role's permission rules compiled, once, into the index routing uses.
///
/// "Which rule wins" then has a single implementation, `URIPatternIndex.bestMatch` (exact, then
/// the longest prefix, then the most specific wildcard, ties to the earlier rule), and deciding a
/// CALL or PUBLISH walks the URI's components once instead of testing, and splitting, every rule.
/// No match denies.
struct PermissionIndex: Sendable {
    /// What one rule grants, reduced to bits.
    private struct Grant: Sendable {
        var actions: UInt8
        var discloseCaller: Bool
        var disclosePublisher: Bool
    }

    private var patterns = URIPatternIndex()
    /// Indexed by the id the rule has in `patterns`.
    private var grants: [Grant] = []
    /// Set when the only rule is the empty prefix (an allow-all role such as the default
    /// `anonymous`): it decides every URI, so no lookup is needed.
    private var everyURI: Grant?

    /// Compiles `permissions`. Of two rules with the same URI and match policy, the first counts
    /// (the later one could never win).
    init(_ permissions: [Permission]) {
        self.grants.reserveCapacity(permissions.count)
        for permission in permissions where self.patterns.id(for: permission.uri, match: permission.match) == nil {
            self.patterns.insert(permission.uri, match: permission.match, id: UInt64(self.grants.count))
            let actions = permission.allow.reduce(UInt8(0)) { $0 | Self.bit($1) }
            self.grants.append(
                Grant(
                    actions: actions, discloseCaller: permission.disclose.contains(.caller),
                    disclosePublisher: permission.disclose.contains(.publisher)))
        }
        if self.grants.count == 1, self.patterns.id(for: "", match: .prefix) != nil {
            self.everyURI = self.grants[0]
        }
    }

    func decision(for action: Permission.Action, on uri: String) -> AuthorizationDecision {
        let grant: Grant
        if let everyURI = self.everyURI {
            grant = everyURI
        } else {
            guard let id = self.patterns.bestMatch(for: uri) else { return .deny }
            grant = self.grants[Int(id)]
        }
        guard grant.actions & Self.bit(action) != 0 else { return .deny }
        switch action {
        case .call: return AuthorizationDecision(allowed: true, disclose: grant.discloseCaller)
        case .publish: return AuthorizationDecision(allowed: true, disclose: grant.disclosePublisher)
        case .register, .subscribe: return AuthorizationDecision(allowed: true)
        }
    }

    private static func bit(_ action: Permission.Action) -> UInt8 {
        switch action {
        case .call: return 1
        case .register: return 2
        case .publish: return 4
        case .subscribe: return 8
        }
    }
}
