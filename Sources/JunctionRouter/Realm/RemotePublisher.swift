/// The publishing session, as the receiving node's filters need it (exclusion and black/white
/// listing by session id, authid and authrole are applied where the subscribers are).
public struct RemotePublisher: Sendable, Hashable {
    public var session: UInt64
    public var authid: String
    public var authrole: String

    public init(session: UInt64, authid: String, authrole: String) {
        self.session = session
        self.authid = authid
        self.authrole = authrole
    }
}
