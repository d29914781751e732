import WAMPCore

/// What a role may do on URIs matching one rule.
public struct Permission: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable, CaseIterable {
        case call, register, publish, subscribe
    }

    /// Whose identity the router reveals when this rule lets a session act: the caller's to the
    /// callee, the publisher's to subscribers, whatever the session asked for.
    public enum Disclosure: String, Sendable, Hashable, CaseIterable {
        case caller, publisher
    }

    public var uri: String
    public var match: MatchPolicy
    public var allow: Set<Action>
    public var disclose: Set<Disclosure>

    public init(uri: String, match: MatchPolicy, allow: Set<Action>, disclose: Set<Disclosure> = []) {
        self.uri = uri
        self.match = match
        self.allow = allow
        self.disclose = disclose
    }
}

/// The answer to "may this session do that on this URI".
public struct AuthorizationDecision: Sendable, Hashable {
    public var allowed: Bool
    /// Reveal the acting session's identity (caller to callee, publisher to subscribers).
    public var disclose: Bool

    public init(allowed: Bool, disclose: Bool = false) {
        self.allowed = allowed
        self.disclose = disclose
    }

    public static let deny = AuthorizationDecision(allowed: false)
}

/// A role: either a named set of permissions, or a dynamic authorizer (a WAMP procedure) that
/// decides for it.
///
/// With permissions, the most specific matching rule decides (exact, then the longest prefix, then
/// the wildcard with the most non-empty leading components); no match denies. The rules are
/// compiled into a `PermissionIndex` when the role is built (or its rules change), not per message.
public struct Role: Sendable, Hashable {
    public var name: String
    public var permissions: [Permission] {
        didSet { self.index = PermissionIndex(self.permissions) }
    }
    /// When set, this procedure decides instead of `permissions`.
    public var authorizer: AuthorizerConfiguration?
    /// `permissions`, compiled.
    private var index: PermissionIndex

    public init(name: String, permissions: [Permission], authorizer: AuthorizerConfiguration? = nil) {
        self.name = name
        self.permissions = permissions
        self.authorizer = authorizer
        self.index = PermissionIndex(permissions)
    }

    /// A role allowed everything, as the default `anonymous` role is.
    public static func allowAll(name: String) -> Role {
        Role(name: name, permissions: [Permission(uri: "", match: .prefix, allow: Set(Permission.Action.allCases))])
    }

    /// The static decision (permissions only; a role with an authorizer is decided elsewhere).
    public func decision(for action: Permission.Action, on uri: String) -> AuthorizationDecision {
        self.index.decision(for: action, on: uri)
    }

    public func allows(_ action: Permission.Action, on uri: String) -> Bool {
        self.decision(for: action, on: uri).allowed
    }

    /// Equal when the rules are (the index follows from them).
    public static func == (lhs: Role, rhs: Role) -> Bool {
        lhs.name == rhs.name && lhs.permissions == rhs.permissions && lhs.authorizer == rhs.authorizer
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.name)
        hasher.combine(self.permissions)
        hasher.combine(self.authorizer)
    }
}

/// A dynamic authorizer: a procedure registered in the same realm by a trusted component, called
/// as `authorize(session, uri, action, options)` and answering `true`/`false` or
/// `{"allow": bool, "disclose": bool, "cache": bool}`.
public struct AuthorizerConfiguration: Sendable, Hashable {
    public var procedure: String
    /// How long an answer is reused for the same (role, uri, action); 0 asks every time.
    public var cacheTTLSeconds: Int
    /// How long the router waits for an answer before denying.
    public var timeoutMilliseconds: Int

    public init(procedure: String, cacheTTLSeconds: Int = 60, timeoutMilliseconds: Int = 5000) {
        self.procedure = procedure
        self.cacheTTLSeconds = cacheTTLSeconds
        self.timeoutMilliseconds = timeoutMilliseconds
    }
}
