import JunctionRouter

extension Role {
    /// What the web dashboard needs and no more: the meta API's lists, details and events, a
    /// subscription to every topic (the page counts the events it sees for its rate chart), and
    /// its console's publish and call — but not the meta API's kill and remove procedures.
    /// Mirrors the `dashboard` role of `DefaultConfigurationFile`.
    public static let dashboard = Role(
        name: "dashboard",
        permissions: [
            Permission(uri: "", match: .prefix, allow: [.call, .publish, .subscribe]),
            Permission(uri: "wamp.session.kill", match: .prefix, allow: []),
            Permission(uri: "wamp.registration.remove_callee", match: .exact, allow: []),
            Permission(uri: "wamp.subscription.remove_subscriber", match: .exact, allow: []),
        ])
}
