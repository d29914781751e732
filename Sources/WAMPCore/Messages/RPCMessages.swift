extension WAMPMessage {
    /// `[CALL, Request|id, Options|dict, Procedure|uri, Arguments|list, ArgumentsKw|dict]`.
    public struct Call: Sendable, Hashable {
        public var request: UInt64
        public var options: WAMPDict
        public var procedure: String
        public var payload: Payload

        public init(request: UInt64, options: WAMPDict = [:], procedure: String, payload: Payload = .empty) {
            self.request = request
            self.options = options
            self.procedure = procedure
            self.payload = payload
        }
    }

    /// `[CANCEL, CALL.Request|id, Options|dict]`.
    public struct Cancel: Sendable, Hashable {
        public var request: UInt64
        public var options: WAMPDict

        public init(request: UInt64, options: WAMPDict = [:]) {
            self.request = request
            self.options = options
        }
    }

    /// `[RESULT, CALL.Request|id, Details|dict, YIELD.Arguments|list, YIELD.ArgumentsKw|dict]`.
    public struct Result: Sendable, Hashable {
        public var request: UInt64
        public var details: WAMPDict
        public var payload: Payload

        public init(request: UInt64, details: WAMPDict = [:], payload: Payload = .empty) {
            self.request = request
            self.details = details
            self.payload = payload
        }
    }

    /// `[REGISTER, Request|id, Options|dict, Procedure|uri]`.
    public struct Register: Sendable, Hashable {
        public var request: UInt64
        public var options: WAMPDict
        public var procedure: String

        public init(request: UInt64, options: WAMPDict = [:], procedure: String) {
            self.request = request
            self.options = options
            self.procedure = procedure
        }
    }

    /// `[REGISTERED, REGISTER.Request|id, Registration|id]`.
    public struct Registered: Sendable, Hashable {
        public var request: UInt64
        public var registration: UInt64

        public init(request: UInt64, registration: UInt64) {
            self.request = request
            self.registration = registration
        }
    }

    /// `[UNREGISTER, Request|id, REGISTERED.Registration|id]`.
    public struct Unregister: Sendable, Hashable {
        public var request: UInt64
        public var registration: UInt64

        public init(request: UInt64, registration: UInt64) {
            self.request = request
            self.registration = registration
        }
    }

    /// `[UNREGISTERED, UNREGISTER.Request|id]`, or with `Details|dict` for a revocation (then
    /// `request` is 0).
    public struct Unregistered: Sendable, Hashable {
        public var request: UInt64
        public var details: WAMPDict?

        public init(request: UInt64, details: WAMPDict? = nil) {
            self.request = request
            self.details = details
        }
    }

    /// `[INVOCATION, Request|id, REGISTERED.Registration|id, Details|dict, CALL.Arguments|list,
    /// CALL.ArgumentsKw|dict]`.
    public struct Invocation: Sendable, Hashable {
        public var request: UInt64
        public var registration: UInt64
        public var details: WAMPDict
        public var payload: Payload

        public init(request: UInt64, registration: UInt64, details: WAMPDict = [:], payload: Payload = .empty) {
            self.request = request
            self.registration = registration
            self.details = details
            self.payload = payload
        }
    }

    /// `[INTERRUPT, INVOCATION.Request|id, Options|dict]`.
    public struct Interrupt: Sendable, Hashable {
        public var request: UInt64
        public var options: WAMPDict

        public init(request: UInt64, options: WAMPDict = [:]) {
            self.request = request
            self.options = options
        }
    }

    /// `[YIELD, INVOCATION.Request|id, Options|dict, Arguments|list, ArgumentsKw|dict]`.
    public struct Yield: Sendable, Hashable {
        public var request: UInt64
        public var options: WAMPDict
        public var payload: Payload

        public init(request: UInt64, options: WAMPDict = [:], payload: Payload = .empty) {
            self.request = request
            self.options = options
            self.payload = payload
        }
    }
}
