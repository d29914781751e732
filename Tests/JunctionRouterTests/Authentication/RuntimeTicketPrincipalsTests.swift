import Testing
import WAMPCore

@testable import JunctionRouter

/// Ticket principals granted while the router runs (one per hosted component instance start).
@Suite struct RuntimeTicketPrincipalsTests {
    private func request(authid: String) -> AuthenticationRequest {
        AuthenticationRequest(
            hello: .init(
                realm: "realm1",
                details: ["roles": ["caller": [:]], "authmethods": ["ticket"], "authid": .string(authid)]),
            sessionID: 1, allowedMethods: Set(AuthMethod.allCases), anonymousAllowed: false, clientCertificate: nil,
            transportDetails: [:])
    }

    private func authenticate(_ principals: RuntimeTicketPrincipals, authid: String, ticket: String)
        -> SessionAuthenticator.Step
    {
        var authenticator = SessionAuthenticator(
            realm: "realm1", configuration: AuthenticationConfiguration(), runtimeTickets: principals)
        guard case .challenge = authenticator.start(self.request(authid: authid)) else {
            return .reject(.init(reason: "no challenge"), log: "")
        }
        return authenticator.authenticate(.init(signature: ticket, extra: [:]))
    }

    @Test func aGrantedTicketAuthenticatesWithItsRoleUntilRevoked() {
        let principals = RuntimeTicketPrincipals()
        principals.grant(TicketPrincipal(authid: "sensor-1", ticket: "fresh", role: "device"))
        guard case .accept(let identity) = self.authenticate(principals, authid: "sensor-1", ticket: "fresh") else {
            Issue.record("the granted ticket was refused")
            return
        }
        #expect(identity.authrole == "device")
        #expect(identity.authmethod == .ticket)
        guard case .reject = self.authenticate(principals, authid: "sensor-1", ticket: "stale") else {
            Issue.record("a wrong ticket was accepted")
            return
        }
        principals.revoke(authid: "sensor-1")
        guard case .reject = self.authenticate(principals, authid: "sensor-1", ticket: "fresh") else {
            Issue.record("a revoked ticket was accepted")
            return
        }
    }

    @Test func withoutAnyPrincipalTicketIsNotOffered() {
        var authenticator = SessionAuthenticator(
            realm: "realm1", configuration: AuthenticationConfiguration(), runtimeTickets: RuntimeTicketPrincipals())
        guard case .reject(let abort, _) = authenticator.start(self.request(authid: "x")) else {
            Issue.record("ticket was offered without principals")
            return
        }
        #expect(abort.reason == WAMPErrorURI.noMatchingAuthMethod)
    }
}
