extension WAMPMessage {
    /// `[HELLO, Realm|uri, Details|dict]`: a client asks to join a realm.
    public struct Hello: Sendable, Hashable {
        public var realm: String
        public var details: WAMPDict

        public init(realm: String, details: WAMPDict) {
            self.realm = realm
            self.details = details
        }

        /// `Details.roles`, which the spec requires to be a dict.
        public var roles: WAMPDict { self.details["roles"]?.dictValue ?? [:] }
    }

    /// `[WELCOME, Session|id, Details|dict]`: the router accepts the session.
    public struct Welcome: Sendable, Hashable {
        public var session: UInt64
        public var details: WAMPDict

        public init(session: UInt64, details: WAMPDict) {
            self.session = session
            self.details = details
        }
    }

    /// `[ABORT, Details|dict, Reason|uri]`: a session is refused or torn down without GOODBYE.
    public struct Abort: Sendable, Hashable {
        public var details: WAMPDict
        public var reason: String

        public init(details: WAMPDict = [:], reason: String) {
            self.details = details
            self.reason = reason
        }

        /// ABORT with a human readable `Details.message`.
        public init(reason: String, message: String) {
            self.init(details: ["message": .string(message)], reason: reason)
        }
    }

    /// `[CHALLENGE, AuthMethod|string, Extra|dict]`.
    public struct Challenge: Sendable, Hashable {
        public var authMethod: String
        public var extra: WAMPDict

        public init(authMethod: String, extra: WAMPDict) {
            self.authMethod = authMethod
            self.extra = extra
        }
    }

    /// `[AUTHENTICATE, Signature|string, Extra|dict]`.
    public struct Authenticate: Sendable, Hashable {
        public var signature: String
        public var extra: WAMPDict

        public init(signature: String, extra: WAMPDict) {
            self.signature = signature
            self.extra = extra
        }
    }

    /// `[GOODBYE, Details|dict, Reason|uri]`: orderly session close, answered by a GOODBYE.
    public struct Goodbye: Sendable, Hashable {
        public var details: WAMPDict
        public var reason: String

        public init(details: WAMPDict = [:], reason: String) {
            self.details = details
            self.reason = reason
        }
    }

    /// `[ERROR, REQUEST.Type|int, REQUEST.Request|id, Details|dict, Error|uri, Arguments|list,
    /// ArgumentsKw|dict]`: a request failed.
    public struct Error: Sendable, Hashable {
        public var requestType: MessageType
        public var request: UInt64
        public var details: WAMPDict
        public var error: String
        public var payload: Payload

        public init(
            requestType: MessageType, request: UInt64, details: WAMPDict = [:], error: String,
            payload: Payload = .empty
        ) {
            self.requestType = requestType
            self.request = request
            self.details = details
            self.error = error
            self.payload = payload
        }
    }
}
