/// How a connection introduces itself once the socket is open.
public struct RedisHandshakeConfiguration: Sendable, Hashable {
    public enum ProtocolVersion: Int, Sendable, Hashable {
        case resp2 = 2
        case resp3 = 3
    }

    /// `.resp3` (default) sends `HELLO 3` and falls back to RESP2 when the server does not know
    /// HELLO or protocol 3; `.resp2` never sends HELLO.
    public var preferredProtocol: ProtocolVersion
    /// ACL user for `AUTH`; `nil` is Redis' `default` user.
    public var username: String?
    /// Password for `AUTH`; `nil` sends no AUTH.
    public var password: String?
    /// Database for `SELECT`; `nil` (default) stays on database 0 without sending SELECT.
    public var database: Int?

    public init(
        preferredProtocol: ProtocolVersion = .resp3,
        username: String? = nil,
        password: String? = nil,
        database: Int? = nil
    ) {
        self.preferredProtocol = preferredProtocol
        self.username = username
        self.password = password
        self.database = database
    }
}
