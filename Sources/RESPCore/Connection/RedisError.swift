/// Why a Redis command or connection failed. `code` says what kind of failure it is; for a
/// server's error reply `serverCode` is the reply's first word (`ERR`, `WRONGTYPE`, `NOAUTH`,
/// `WRONGPASS`) and `message` the whole text.
public struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case server, authentication, handshake, connectionClosed, protocolViolation, notReady
            case notAllowedInSubscribedMode
        }

        private let base: Base

        /// The server answered this command with an error reply.
        public static let server = Code(base: .server)
        /// HELLO or AUTH was refused (`NOAUTH`, `WRONGPASS`): the connection is closed.
        public static let authentication = Code(base: .authentication)
        /// HELLO (in both protocols) or SELECT failed: the connection is closed.
        public static let handshake = Code(base: .handshake)
        /// The connection closed before the reply arrived, or was already closed.
        public static let connectionClosed = Code(base: .connectionClosed)
        /// The server sent bytes that are not RESP, or a reply nobody asked for: the connection is closed.
        public static let protocolViolation = Code(base: .protocolViolation)
        /// A command was sent before the handshake finished.
        public static let notReady = Code(base: .notReady)
        /// In RESP2 a subscribed connection accepts only (P)SUBSCRIBE, (P)UNSUBSCRIBE and PING.
        public static let notAllowedInSubscribedMode = Code(base: .notAllowedInSubscribedMode)

        public var description: String { self.base.rawValue }
    }

    public let code: Code
    public let message: String
    /// The first word of the server's error reply, for `.server`, `.authentication` and `.handshake`.
    public let serverCode: String?

    public init(_ code: Code, _ message: String, serverCode: String? = nil) {
        self.code = code
        self.message = message
        self.serverCode = serverCode
    }

    /// The error a server's error reply stands for, classified as `code`.
    static func reply(_ text: String, as code: Code = .server) -> RedisError {
        let prefix = text.prefix(while: { $0 != " " })
        return RedisError(code, text, serverCode: prefix.isEmpty ? nil : String(prefix))
    }

    public var description: String {
        "Redis error (\(self.code)): \(self.message)"
    }
}
