import WAMPCore

/// What a role may do on URIs matching one rule.
public struct Permission: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable, CaseIterable {
        case call, register, publish, subscribe
    }

    public var uri: String
    public var match: MatchPolicy
    public var allow: Set<Action>

    public init(uri: String, match: MatchPolicy, allow: Set<Action>) {
        self.uri = uri
        self.match = match
        self.allow = allow
    }
}

/// How a URI in a rule, a subscription or a registration is compared with a concrete URI.
public enum MatchPolicy: String, Sendable, Hashable, CaseIterable {
    case exact, prefix, wildcard

    /// Whether `pattern` under this policy matches the concrete `uri`.
    public func matches(pattern: String, uri: String) -> Bool {
        switch self {
        case .exact:
            return pattern == uri
        case .prefix:
            return uri.hasPrefix(pattern)
        case .wildcard:
            let patternParts = pattern.split(separator: ".", omittingEmptySubsequences: false)
            let uriParts = uri.split(separator: ".", omittingEmptySubsequences: false)
            guard patternParts.count == uriParts.count else { return false }
            return zip(patternParts, uriParts).allSatisfy { $0.isEmpty || $0 == $1 }
        }
    }
}

/// A role: a named set of permissions. The most specific matching rule decides (exact, then the
/// longest prefix, then the wildcard with the most non-empty leading components); no match denies.
public struct Role: Sendable, Hashable {
    public var name: String
    public var permissions: [Permission]

    public init(name: String, permissions: [Permission]) {
        self.name = name
        self.permissions = permissions
    }

    /// A role allowed everything, as the default `anonymous` role is.
    public static func allowAll(name: String) -> Role {
        Role(name: name, permissions: [Permission(uri: "", match: .prefix, allow: Set(Permission.Action.allCases))])
    }

    public func allows(_ action: Permission.Action, on uri: String) -> Bool {
        var best: (rank: (Int, Int), permission: Permission)?
        for permission in self.permissions where permission.match.matches(pattern: permission.uri, uri: uri) {
            let rank = Self.specificity(permission)
            if best == nil || rank > best!.rank {
                best = (rank, permission)
            }
        }
        return best?.permission.allow.contains(action) ?? false
    }

    private static func specificity(_ permission: Permission) -> (Int, Int) {
        switch permission.match {
        case .exact:
            return (3, 0)
        case .prefix:
            return (2, permission.uri.utf8.count)
        case .wildcard:
            let leading = permission.uri.split(separator: ".", omittingEmptySubsequences: false)
                .prefix { !$0.isEmpty }.count
            return (1, leading)
        }
    }
}
