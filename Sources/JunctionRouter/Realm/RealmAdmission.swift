import JunctionAuth

/// The part of a realm's configuration that session establishment reads on the connection's
/// loop rather than the realm's: swapped as a whole when the configuration is reloaded, so an
/// establishment sees either the old settings or the new ones.
public struct RealmAdmission: Sendable {
    public let authentication: AuthenticationConfiguration
    /// The role of sessions that join without authentication; `nil` refuses them.
    public let anonymousRole: String?
    public let slowConsumer: SlowConsumerPolicy
    /// Verifies JWTs presented as tickets; `nil` when the realm accepts none.
    public let jwtVerifier: JWTVerifier?

    init(_ configuration: RealmConfiguration) {
        self.authentication = configuration.authentication
        self.anonymousRole = configuration.anonymousRole
        self.slowConsumer = configuration.slowConsumer
        self.jwtVerifier = configuration.authentication.jwt.flatMap { try? JWTVerifier(configuration: $0) }
    }
}
