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
