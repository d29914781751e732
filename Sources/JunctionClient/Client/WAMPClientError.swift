/// A failure of the client itself rather than of a WAMP request: no connection, a lost
/// connection, a bad URL, a transport or protocol problem.
///
/// WAMP-level failures (an ERROR or ABORT from the router) are ``WAMPError`` instead, so callers
/// can tell "the router said no" from "we could not ask".
public struct WAMPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. Compare with `==`; new codes may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The URL could not be parsed.
        public static let invalidURL = Code("invalid URL")
        /// There is no established session right now (connecting, reconnecting or closed).
        public static let notConnected = Code("not connected")
        /// The connection went away while the request was outstanding.
        public static let connectionLost = Code("connection lost")
        /// The transport could not be established (TCP, TLS, WebSocket upgrade, RawSocket handshake).
        public static let transport = Code("transport error")
        /// The router sent something the WAMP spec does not allow here.
        public static let protocolViolation = Code("protocol violation")
        /// Authentication could not be computed (for example a malformed challenge).
        public static let authentication = Code("authentication error")
        /// The client was closed with `leave()` or `close()`.
        public static let closed = Code("client closed")
        /// A value could not be encoded to or decoded from WAMP arguments.
        public static let coding = Code("coding error")

        public var description: String { self.name }
    }

    public var code: Code
    /// Human readable detail.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(self.code): \(self.message)" }
}
