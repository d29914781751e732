import Testing

@testable import JunctionRouter

@Suite struct PermissionIndexTests {
    static let all = Set(Permission.Action.allCases)

    func winner(_ rules: [Permission], _ uri: String) -> Set<Permission.Action> {
        let role = Role(name: "r", permissions: rules)
        return Set(Permission.Action.allCases.filter { role.allows($0, on: uri) })
    }

    @Test func exactBeatsPrefixBeatsWildcard() {
        let rules = [
            Permission(uri: "a..c", match: .wildcard, allow: [.subscribe]),
            Permission(uri: "a.b", match: .prefix, allow: [.publish]),
            Permission(uri: "a.b.c", match: .exact, allow: [.call]),
        ]
        #expect(self.winner(rules, "a.b.c") == [.call])
        #expect(self.winner(rules, "a.b.x") == [.publish])
        #expect(self.winner(rules, "a.x.c") == [.subscribe])
    }

    @Test func longestPrefixWinsEvenWhenItAllowsLess() {
        let rules = [
            Permission(uri: "com.", match: .prefix, allow: Self.all),
            Permission(uri: "com.app.admin", match: .prefix, allow: []),
            Permission(uri: "com.app", match: .prefix, allow: [.call]),
        ]
        #expect(self.winner(rules, "com.app.admin.reset") == [])
        #expect(self.winner(rules, "com.app.administrators") == [])
        #expect(self.winner(rules, "com.app.user") == [.call])
        #expect(self.winner(rules, "com.apple") == [.call])
        #expect(self.winner(rules, "com.other") == Self.all)
    }

    @Test func mostSpecificWildcardWins() {
        let rules = [
            Permission(uri: "a1...d4", match: .wildcard, allow: [.call]),
            Permission(uri: "a1.b2..d4", match: .wildcard, allow: [.publish]),
            Permission(uri: "a1.b2.c3.", match: .wildcard, allow: [.register]),
        ]
        #expect(self.winner(rules, "a1.b2.c3.d4") == [.register])
        #expect(self.winner(rules, "a1.b2.x.d4") == [.publish])
        #expect(self.winner(rules, "a1.x.x.d4") == [.call])
        // A wildcard rule matches only URIs with its number of components.
        #expect(self.winner(rules, "a1.b2.x.d4.e5") == [])
    }

    @Test func emptyPrefixMatchesEverythingAndLosesToAnyOtherRule() {
        let rules = [
            Permission(uri: "", match: .prefix, allow: [.subscribe]),
            Permission(uri: "x..z", match: .wildcard, allow: [.call]),
        ]
        #expect(self.winner(rules, "anything.at.all") == [.subscribe])
        #expect(self.winner(rules, "") == [.subscribe])
        // Prefix (even the empty one) outranks wildcard.
        #expect(self.winner(rules, "x.y.z") == [.subscribe])
    }

    @Test func anAllowAllRoleDecidesWithoutALookup() {
        let role = Role.allowAll(name: "anonymous")
        for action in Permission.Action.allCases {
            for uri in ["", "com.x", "a..b", "wamp.session.count"] {
                #expect(role.decision(for: action, on: uri) == AuthorizationDecision(allowed: true, disclose: false))
            }
        }
        let narrow = Role(name: "r", permissions: [Permission(uri: "", match: .prefix, allow: [.subscribe])])
        #expect(narrow.allows(.subscribe, on: "any.thing"))
        #expect(!narrow.allows(.publish, on: "any.thing"))
    }

    @Test func noMatchDenies() {
        let role = Role(name: "r", permissions: [Permission(uri: "com.app.", match: .prefix, allow: Self.all)])
        #expect(role.decision(for: .call, on: "com.other") == .deny)
        #expect(role.decision(for: .call, on: "com.app") == .deny)
        #expect(Role(name: "empty", permissions: []).decision(for: .publish, on: "x") == .deny)
    }

    @Test func discloseFollowsTheWinningRuleAndTheAction() {
        let role = Role(
            name: "r",
            permissions: [
                Permission(uri: "com.", match: .prefix, allow: Self.all, disclose: [.caller, .publisher]),
                Permission(uri: "com.quiet", match: .exact, allow: Self.all),
            ])
        #expect(role.decision(for: .call, on: "com.x") == AuthorizationDecision(allowed: true, disclose: true))
        #expect(role.decision(for: .publish, on: "com.x") == AuthorizationDecision(allowed: true, disclose: true))
        #expect(role.decision(for: .register, on: "com.x") == AuthorizationDecision(allowed: true, disclose: false))
        #expect(role.decision(for: .call, on: "com.quiet") == AuthorizationDecision(allowed: true, disclose: false))
    }

    @Test func aDuplicateRuleCannotOverrideTheFirst() {
        let rules = [
            Permission(uri: "com.x", match: .exact, allow: [.call]),
            Permission(uri: "com.x", match: .exact, allow: Self.all),
        ]
        #expect(self.winner(rules, "com.x") == [.call])
    }

    @Test func changedRulesAreRecompiledAndCompareByRules() {
        var role = Role(name: "r", permissions: [])
        #expect(!role.allows(.call, on: "com.x"))
        role.permissions.append(Permission(uri: "com.", match: .prefix, allow: [.call]))
        #expect(role.allows(.call, on: "com.x"))
        #expect(role == Role(name: "r", permissions: [Permission(uri: "com.", match: .prefix, allow: [.call])]))
        #expect(role != Role(name: "r", permissions: []))
    }

    /// The linear scan roles used before they were compiled, with wildcard ties broken by the
    /// number of non-empty components as routing does (the scan took the first rule).
    func linearDecision(_ rules: [Permission], _ action: Permission.Action, _ uri: String) -> Bool {
        func rank(_ permission: Permission) -> (Int, Int, Int) {
            switch permission.match {
            case .exact: return (3, 0, 0)
            case .prefix: return (2, permission.uri.utf8.count, 0)
            case .wildcard:
                let parts = permission.uri.split(separator: ".", omittingEmptySubsequences: false)
                return (1, parts.prefix { !$0.isEmpty }.count, parts.filter { !$0.isEmpty }.count)
            }
        }
        var best: (rank: (Int, Int, Int), permission: Permission)?
        for permission in rules where permission.match.matches(pattern: permission.uri, uri: uri) {
            if best == nil || rank(permission) > best!.rank { best = (rank(permission), permission) }
        }
        return best?.permission.allow.contains(action) ?? false
    }

    @Test func agreesWithTheLinearScanOnRandomRules() {
        var generator = SystemRandomNumberGenerator()
        let words = ["a", "b", "ab", ""]
        for _ in 0..<50 {
            var rules: [Permission] = []
            for _ in 0..<Int.random(in: 1...12, using: &generator) {
                let policy = MatchPolicy.allCases.randomElement(using: &generator)!
                let parts = (0..<Int.random(in: 1...3, using: &generator)).map { _ in
                    words.randomElement(using: &generator)!
                }
                let allow = Set(Permission.Action.allCases.filter { _ in Bool.random(using: &generator) })
                rules.append(Permission(uri: parts.joined(separator: "."), match: policy, allow: allow))
            }
            let role = Role(name: "r", permissions: rules)
            for _ in 0..<40 {
                let uri = (0..<Int.random(in: 1...3, using: &generator)).map { _ in
                    ["a", "b", "ab", "abc"].randomElement(using: &generator)!
                }.joined(separator: ".")
                for action in Permission.Action.allCases {
                    #expect(role.allows(action, on: uri) == self.linearDecision(rules, action, uri), "\(rules) \(uri)")
                }
            }
        }
    }
}
