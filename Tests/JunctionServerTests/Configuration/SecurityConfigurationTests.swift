import JunctionAuth
import JunctionRouter
import Testing
import WAMPCore

@testable import JunctionServer

/// The `authentication`, role `authorizer`/`disclose`, `auth_methods` and pre-session `limits` keys.
@Suite struct SecurityConfigurationTests {
    static func realm(_ body: String) -> String {
        "realms:\n  - name: r\n" + body + "\ntransports:\n  - {type: rawsocket, port: 1}"
    }

    @Test func everySecurityKeyLoads() throws {
        let yaml = """
            limits: {hello_timeout: 3, pre_session_max_message_size: 2048, max_pending_sessions: 7, auth_failure_delay_ms: 5, max_auth_failures: 4, auth_failure_window: 9}
            realms:
              - name: r
                anonymous_role: ""
                roles:
                  - name: user
                    permissions: [{uri: com.a., match: prefix, allow: [call], disclose: [caller, publisher]}]
                  - name: dyn
                    authorizer: {procedure: com.authz, cache_ttl: 0, timeout: 2}
                authentication:
                  ticket: {principals: [{authid: joe, ticket: t, role: user}]}
                  wampcra: {principals: [{authid: p, secret: s, role: user, salt: x, iterations: 10, keylen: 16}]}
                  cryptosign: {principals: [{authid: d, pubkeys: ["\(String(repeating: "ab", count: 32))"], role: user}]}
                  jwt: {keys: [{algorithm: HS256, secret: "0123456789abcdef0123456789abcdef"}], audience: aud, role_claim: wamp_role}
                  tls: {principals: [{common_name: c1, role: user}]}
                  dynamic: {procedure: com.authn, methods: [ticket, tls], timeout: 3}
            transports:
              - {type: websocket, port: 1, auth_methods: [ticket, cryptosign]}
            """
        let configuration = try ConfigurationLoader.load(yaml: yaml)
        #expect(configuration.limits.helloTimeout == 3)
        #expect(configuration.limits.preSessionMaxMessageSize == 2048)
        #expect(configuration.limits.maxPendingSessions == 7)
        #expect(configuration.limits.authFailureDelayMilliseconds == 5)
        #expect(configuration.limits.maxAuthFailures == 4)
        #expect(configuration.limits.authFailureWindow == 9)
        let realm = try #require(configuration.realms.first)
        #expect(realm.anonymousRole == nil)
        #expect(realm.roles["user"]?.permissions.first?.disclose == [.caller, .publisher])
        #expect(realm.roles["dyn"]?.authorizer == AuthorizerConfiguration(procedure: "com.authz", cacheTTLSeconds: 0, timeoutMilliseconds: 2000))
        let auth = realm.authentication
        #expect(auth.ticket["joe"]?.role == "user")
        #expect(auth.wampcra["p"]?.salt == WAMPCRA.Salt(salt: "x", iterations: 10, keylen: 16))
        #expect(auth.cryptosign.first?.publicKeys == [String(repeating: "ab", count: 32)])
        #expect(auth.jwt?.audience == "aud")
        #expect(auth.jwt?.roleClaim == "wamp_role")
        #expect(auth.tls.first?.authid == "c1")
        #expect(auth.dynamic?.methods == [.ticket, .tls])
        #expect(configuration.transports.first?.authMethods == [.ticket, .cryptosign])
    }

    @Test(arguments: [
        (Self.realm("    authentication: {kerberos: {}}"), "realms[0].authentication.kerberos"),
        (Self.realm("    authentication: {ticket: {principals: [{authid: a, role: r}]}}"), "realms[0].authentication.ticket.principals[0].ticket"),
        (Self.realm("    authentication: {cryptosign: {principals: [{authid: a, pubkey: xyz, role: r}]}}"), "realms[0].authentication.cryptosign.principals[0].pubkey"),
        (Self.realm("    authentication: {wampcra: {principals: [{authid: a, secret: s, role: r, iterations: 5}]}}"), "realms[0].authentication.wampcra.principals[0].salt"),
        (Self.realm("    authentication: {jwt: {keys: [{algorithm: HS256, secret: short}]}}"), "realms[0].authentication.jwt.keys[0]"),
        (Self.realm("    authentication: {jwt: {keys: [{algorithm: RS256, public_key: not-a-pem}]}}"), "realms[0].authentication.jwt.keys[0]"),
        (Self.realm("    authentication: {jwt: {keys: [{algorithm: none, secret: x}]}}"), "realms[0].authentication.jwt.keys[0].algorithm"),
        (Self.realm("    authentication: {dynamic: {procedure: com.a, methods: [anonymous]}}"), "realms[0].authentication.dynamic.methods"),
        (Self.realm("    authentication: {tls: {principals: [{role: r}]}}"), "realms[0].authentication.tls.principals[0].common_name"),
        (Self.realm("    roles: [{name: a, authorizer: {procedure: 'bad uri'}}]"), "realms[0].roles[0].authorizer.procedure"),
        (Self.realm("    roles: [{name: a, permissions: [{uri: x, allow: [call], disclose: [everyone]}]}]"), "realms[0].roles[0].permissions[0].disclose"),
        (Self.realm("    roles: [{name: a, permissions: [{uri: x, allow: [call]}], authorizer: {procedure: com.a}}]"), "realms[0].roles[0].authorizer"),
        ("realms:\n  - name: r\ntransports:\n  - {type: rawsocket, port: 1, auth_methods: [magic]}", "transports[0].auth_methods"),
        ("limits: {hello_timeout: 0}\nrealms:\n  - name: r\ntransports:\n  - {type: rawsocket, port: 1}", "limits.hello_timeout"),
    ])
    func errorsNameTheOffendingKey(yaml: String, key: String) {
        #expect {
            _ = try ConfigurationLoader.load(yaml: yaml)
        } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }
}
