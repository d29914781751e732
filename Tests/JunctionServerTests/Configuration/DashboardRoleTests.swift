import JunctionRouter
import Testing

@testable import JunctionServer

/// The default configuration's `dashboard` role: what the web dashboard does is allowed, the
/// meta API's destructive procedures are not.
@Suite struct DashboardRoleTests {
    @Test func allowsTheMetaAPIsReadsEventsProbeAndConsole() {
        let role = Role.dashboard
        for procedure in [
            "wamp.session.list", "wamp.session.get", "wamp.session.count", "wamp.subscription.list",
            "wamp.subscription.get", "wamp.subscription.count_subscribers", "wamp.registration.list",
            "wamp.registration.get", "wamp.registration.count_callees", "com.example.add",
        ] {
            #expect(role.decision(for: .call, on: procedure).allowed, "call \(procedure)")
        }
        for topic in ["wamp.session.on_join", "wamp.registration.on_delete", "", "..", "com.example.news"] {
            #expect(role.decision(for: .subscribe, on: topic).allowed, "subscribe \(topic)")
        }
        #expect(role.decision(for: .publish, on: "com.example.news").allowed)
    }

    @Test func refusesKillsRemovalsAndRegistering() {
        let role = Role.dashboard
        for procedure in [
            "wamp.session.kill", "wamp.session.kill_by_authid", "wamp.session.kill_by_authrole",
            "wamp.session.kill_all", "wamp.registration.remove_callee", "wamp.subscription.remove_subscriber",
        ] {
            #expect(!role.decision(for: .call, on: procedure).allowed, "call \(procedure)")
        }
        #expect(!role.decision(for: .register, on: "com.example.add").allowed)
    }

    @Test func theDefaultConfigurationFileDefinesIt() throws {
        let loaded = try ConfigurationLoader.load(yaml: DefaultConfigurationFile.text)
        #expect(loaded.realms.first?.roles["dashboard"] == Role.dashboard)
        #expect(JunctionConfiguration.builtInDefault.realms.first?.roles["dashboard"] == Role.dashboard)
    }
}
