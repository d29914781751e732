import WAMPCore

extension LocalSession {
    /// A procedure implementation: returns the YIELD's payload, or throws ``LocalSessionError`` to
    /// answer with that URI (any other error answers `wamp.error.runtime_error`). Runs in a task
    /// of its own; an INTERRUPT from the router cancels it.
    public typealias Procedure = @Sendable (Invocation) async throws -> InvocationResult

    /// The outcome of a call: the callee's YIELD payload as the router forwarded it in RESULT.
    public struct CallResult: Sendable, Hashable {
        public var args: WAMPList
        public var kwargs: WAMPDict
        /// `RESULT.Details|dict`.
        public var details: WAMPDict

        public init(args: WAMPList = [], kwargs: WAMPDict = [:], details: WAMPDict = [:]) {
            self.args = args
            self.kwargs = kwargs
            self.details = details
        }
    }

    /// A call as a procedure registered by a local session sees it.
    public struct Invocation: Sendable, Hashable {
        public var args: WAMPList
        public var kwargs: WAMPDict
        /// `INVOCATION.Details|dict`: `procedure` for pattern registrations, `caller`,
        /// `caller_authid` and `caller_authrole` when disclosed.
        public var details: WAMPDict

        public init(args: WAMPList = [], kwargs: WAMPDict = [:], details: WAMPDict = [:]) {
            self.args = args
            self.kwargs = kwargs
            self.details = details
        }

        /// The procedure actually called (pattern registrations only).
        public var procedure: String? { self.details["procedure"]?.stringValue }
        /// The caller's session id, when disclosed.
        public var caller: UInt64? { self.details["caller"]?.unsignedInteger }
    }

    /// What a procedure answers: the YIELD's payload.
    public struct InvocationResult: Sendable, Hashable {
        public var args: WAMPList
        public var kwargs: WAMPDict

        public init(args: WAMPList = [], kwargs: WAMPDict = [:]) {
            self.args = args
            self.kwargs = kwargs
        }

        /// A result with one positional value.
        public init(_ value: WAMPValue) {
            self.init(args: [value])
        }

        var payload: Payload { .compact(args: self.args, kwargs: self.kwargs) }
    }

    /// An event delivered to a subscription.
    public struct Event: Sendable, Hashable {
        public var args: WAMPList
        public var kwargs: WAMPDict
        /// `EVENT.Details|dict`: `topic` for pattern subscriptions, `publisher` when disclosed.
        public var details: WAMPDict
        public var publication: UInt64

        public init(args: WAMPList = [], kwargs: WAMPDict = [:], details: WAMPDict = [:], publication: UInt64 = 0) {
            self.args = args
            self.kwargs = kwargs
            self.details = details
            self.publication = publication
        }

        /// The topic published to (pattern subscriptions only).
        public var topic: String? { self.details["topic"]?.stringValue }
    }

    /// Why and how a session ended: the GOODBYE or ABORT reason the router gave (or
    /// `wamp.close.normal` after ``LocalSession/leave()``).
    public struct Ending: Sendable, Hashable {
        public var reason: String
        public var message: String?

        public init(reason: String, message: String? = nil) {
            self.reason = reason
            self.message = message
        }
    }

    /// A procedure registered with ``LocalSession/register(_:options:handler:)``.
    public struct Registration: Sendable {
        /// The registered URI (or pattern).
        public let procedure: String
        /// The router's registration id.
        public let id: UInt64
        let session: LocalSession

        /// Removes the registration.
        public func unregister() async throws {
            try await self.session.unregister(self)
        }
    }

    /// A subscription made with ``LocalSession/subscribe(_:options:handler:)``.
    public struct Subscription: Sendable {
        /// The subscribed URI (or pattern).
        public let topic: String
        /// The router's subscription id (shared by every subscription of this session to the
        /// same topic and match policy).
        public let id: UInt64
        let handler: UInt64
        let session: LocalSession

        /// Stops the handler; the router forgets the subscription when its last handler goes.
        public func unsubscribe() async throws {
            try await self.session.unsubscribe(self)
        }
    }
}

extension Payload {
    /// Positional and keyword arguments as a local session reads them: absent is empty.
    var argsOrEmpty: WAMPList { self.args ?? [] }
    var kwargsOrEmpty: WAMPDict { self.kwargs ?? [:] }

    /// A payload that omits empty arguments on the wire, as clients do.
    static func compact(args: WAMPList, kwargs: WAMPDict) -> Payload {
        Payload(args: args.isEmpty && kwargs.isEmpty ? nil : args, kwargs: kwargs.isEmpty ? nil : kwargs)
    }
}
