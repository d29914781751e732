import WAMPCore
import NIOCore

/// What session establishment needs from outside a connection, shared by every connection of a
/// listener (one reference per connection, nothing allocated per connection).
public final class EstablishmentEnvironment: Sendable {
    /// The realm a HELLO names, if the router has it.
    public let realms: @Sendable (String) -> Realm?
    /// The authentication methods the listener permits (`auth_methods`).
    public let allowedMethods: Set<AuthMethod>
    /// Time from the transport handshake to WELCOME.
    public let helloTimeout: TimeAmount
    public let failurePolicy: LoginFailurePolicy
    /// Lockout windows and WAMP-CRA challenge timestamps.
    public let clock: WallClock
    public let random: RandomSource

    public init(
        realms: @escaping @Sendable (String) -> Realm?, allowedMethods: Set<AuthMethod> = Set(AuthMethod.allCases),
        helloTimeout: TimeAmount, failurePolicy: LoginFailurePolicy, clock: WallClock = .system,
        random: RandomSource = .system
    ) {
        self.realms = realms
        self.allowedMethods = allowedMethods
        self.helloTimeout = helloTimeout
        self.failurePolicy = failurePolicy
        self.clock = clock
        self.random = random
    }
}

/// What the transport knows about a connection that the authenticator may need. Asked only when
/// the HELLO needs it: a certificate is parsed only for `tls`, the transport described only for
/// a dynamic authenticator.
public protocol EstablishingConnection: AnyObject {
    /// The verified client certificate, if the transport has one.
    func clientCertificate() -> ClientCertificate?
    /// `details.transport` for a dynamic authenticator (type, serializer, peer, tls).
    func transportDetails() -> WAMPDict
}
