extension WAMPMessage {
    /// Decodes and validates a message from the list a serializer produced.
    public init(from value: WAMPValue) throws(ProtocolViolation) {
        guard case .list(let elements) = value else {
            throw ProtocolViolation("message is not a list")
        }
        guard let first = elements.first else {
            throw ProtocolViolation("message is an empty list")
        }
        guard let code = first.unsignedInteger else {
            throw ProtocolViolation("message type is not a non-negative integer")
        }
        guard let type = MessageType(rawValue: code) else {
            throw ProtocolViolation("unknown message type \(code)")
        }
        let r = FieldReader(type: type, elements: elements)
        switch type {
        case .hello:
            try r.arity(3)
            let realm = try r.uri(1, "Realm")
            let details = try r.dict(2, "Details")
            guard let roles = details["roles"] else {
                throw ProtocolViolation("HELLO.Details.roles is missing")
            }
            guard case .dict(let roleDict) = roles, !roleDict.isEmpty else {
                throw ProtocolViolation("HELLO.Details.roles must be a non-empty dict")
            }
            try OptionRules.check(details, OptionRules.hello, in: "HELLO.Details")
            self = .hello(Hello(realm: realm, details: details))
        case .welcome:
            try r.arity(3)
            self = .welcome(Welcome(session: try r.id(1, "Session"), details: try r.dict(2, "Details")))
        case .abort:
            try r.arity(3)
            self = .abort(Abort(details: try r.dict(1, "Details"), reason: try r.uri(2, "Reason")))
        case .challenge:
            try r.arity(3)
            self = .challenge(Challenge(authMethod: try r.string(1, "AuthMethod"), extra: try r.dict(2, "Extra")))
        case .authenticate:
            try r.arity(3)
            self = .authenticate(Authenticate(signature: try r.string(1, "Signature"), extra: try r.dict(2, "Extra")))
        case .goodbye:
            try r.arity(3)
            self = .goodbye(Goodbye(details: try r.dict(1, "Details"), reason: try r.uri(2, "Reason")))
        case .error:
            try r.arity(5, upTo: 7)
            guard let requestCode = elements[1].unsignedInteger, let requestType = MessageType(rawValue: requestCode)
            else {
                throw ProtocolViolation("ERROR.REQUEST.Type is not a message type")
            }
            let details = try r.dict(3, "Details")
            self = .error(
                Error(
                    requestType: requestType, request: try r.id(2, "REQUEST.Request"), details: details,
                    error: try r.uri(4, "Error"), payload: try r.payload(at: 5, transparentAllowed: details)))
        case .publish:
            try r.arity(4, upTo: 6)
            let options = try r.dict(2, "Options")
            try OptionRules.check(options, OptionRules.publish, in: "PUBLISH.Options")
            self = .publish(
                Publish(
                    request: try r.id(1, "Request"), options: options, topic: try r.uri(3, "Topic"),
                    payload: try r.payload(at: 4, transparentAllowed: options)))
        case .published:
            try r.arity(3)
            self = .published(Published(request: try r.id(1, "Request"), publication: try r.id(2, "Publication")))
        case .subscribe:
            try r.arity(4)
            let options = try r.dict(2, "Options")
            try OptionRules.check(options, OptionRules.subscribe, in: "SUBSCRIBE.Options")
            self = .subscribe(Subscribe(request: try r.id(1, "Request"), options: options, topic: try r.uri(3, "Topic")))
        case .subscribed:
            try r.arity(3)
            self = .subscribed(Subscribed(request: try r.id(1, "Request"), subscription: try r.id(2, "Subscription")))
        case .unsubscribe:
            try r.arity(3)
            self = .unsubscribe(Unsubscribe(request: try r.id(1, "Request"), subscription: try r.id(2, "Subscription")))
        case .unsubscribed:
            try r.arity(2, upTo: 3)
            let details = elements.count > 2 ? try r.dict(2, "Details") : nil
            let request = details == nil ? try r.id(1, "Request") : try r.idOrZero(1, "Request")
            self = .unsubscribed(Unsubscribed(request: request, details: details))
        case .event:
            try r.arity(4, upTo: 6)
            let details = try r.dict(3, "Details")
            try OptionRules.check(details, OptionRules.event, in: "EVENT.Details")
            self = .event(
                Event(
                    subscription: try r.id(1, "Subscription"), publication: try r.id(2, "Publication"),
                    details: details, payload: try r.payload(at: 4, transparentAllowed: details)))
        case .eventReceived:
            try r.arity(2, upTo: 5)
            let details = elements.count > 2 ? try r.dict(2, "Details") : nil
            self = .eventReceived(
                EventReceived(
                    publication: try r.id(1, "Publication"), details: details,
                    payload: try r.payload(at: 3, transparentAllowed: details ?? [:])))
        case .call:
            try r.arity(4, upTo: 6)
            let options = try r.dict(2, "Options")
            try OptionRules.check(options, OptionRules.call, in: "CALL.Options")
            self = .call(
                Call(
                    request: try r.id(1, "Request"), options: options, procedure: try r.uri(3, "Procedure"),
                    payload: try r.payload(at: 4, transparentAllowed: options)))
        case .cancel:
            try r.arity(3)
            let options = try r.dict(2, "Options")
            try OptionRules.check(options, OptionRules.cancel, in: "CANCEL.Options")
            self = .cancel(Cancel(request: try r.id(1, "Request"), options: options))
        case .result:
            try r.arity(3, upTo: 5)
            let details = try r.dict(2, "Details")
            try OptionRules.check(details, OptionRules.result, in: "RESULT.Details")
            self = .result(
                Result(
                    request: try r.id(1, "Request"), details: details,
                    payload: try r.payload(at: 3, transparentAllowed: details)))
        case .register:
            try r.arity(4)
            let options = try r.dict(2, "Options")
            try OptionRules.check(options, OptionRules.register, in: "REGISTER.Options")
            self = .register(
                Register(request: try r.id(1, "Request"), options: options, procedure: try r.uri(3, "Procedure")))
        case .registered:
            try r.arity(3)
            self = .registered(Registered(request: try r.id(1, "Request"), registration: try r.id(2, "Registration")))
        case .unregister:
            try r.arity(3)
            self = .unregister(Unregister(request: try r.id(1, "Request"), registration: try r.id(2, "Registration")))
        case .unregistered:
            try r.arity(2, upTo: 3)
            let details = elements.count > 2 ? try r.dict(2, "Details") : nil
            let request = details == nil ? try r.id(1, "Request") : try r.idOrZero(1, "Request")
            self = .unregistered(Unregistered(request: request, details: details))
        case .invocation:
            try r.arity(4, upTo: 6)
            let details = try r.dict(3, "Details")
            try OptionRules.check(details, OptionRules.invocation, in: "INVOCATION.Details")
            self = .invocation(
                Invocation(
                    request: try r.id(1, "Request"), registration: try r.id(2, "Registration"), details: details,
                    payload: try r.payload(at: 4, transparentAllowed: details)))
        case .interrupt:
            try r.arity(3)
            let options = try r.dict(2, "Options")
            try OptionRules.check(options, OptionRules.cancel, in: "INTERRUPT.Options")
            self = .interrupt(Interrupt(request: try r.id(1, "Request"), options: options))
        case .yield:
            try r.arity(3, upTo: 5)
            let options = try r.dict(2, "Options")
            try OptionRules.check(options, OptionRules.yield, in: "YIELD.Options")
            self = .yield(
                Yield(
                    request: try r.id(1, "Request"), options: options,
                    payload: try r.payload(at: 3, transparentAllowed: options)))
        }
    }

    /// Decodes bytes with `serializer` and validates the message.
    public init(bytes: UnsafeRawBufferPointer, serializer: some WAMPSerializer) throws(ProtocolViolation) {
        let value: WAMPValue
        do {
            value = try serializer.decode(bytes)
        } catch {
            throw ProtocolViolation("undecodable \(serializer.kind) message: \(error)")
        }
        try self.init(from: value)
    }

    public init(bytes: [UInt8], serializer: some WAMPSerializer) throws(ProtocolViolation) {
        let value: WAMPValue
        do {
            value = try serializer.decode(bytes)
        } catch {
            throw ProtocolViolation("undecodable \(serializer.kind) message: \(error)")
        }
        try self.init(from: value)
    }
}

/// Reads positional fields of one message, naming the field in every violation.
private struct FieldReader {
    let type: MessageType
    let elements: [WAMPValue]

    func arity(_ exactly: Int) throws(ProtocolViolation) {
        try self.arity(exactly, upTo: exactly)
    }

    func arity(_ minimum: Int, upTo maximum: Int) throws(ProtocolViolation) {
        guard elements.count >= minimum, elements.count <= maximum else {
            let expected = minimum == maximum ? "\(minimum)" : "\(minimum) to \(maximum)"
            throw ProtocolViolation("\(type) has \(elements.count) elements, expected \(expected)")
        }
    }

    func id(_ index: Int, _ name: String) throws(ProtocolViolation) -> UInt64 {
        guard let value = elements[index].unsignedInteger, WAMPID.isValid(value) else {
            throw ProtocolViolation("\(type).\(name) must be an integer ID in [1, 2^53]")
        }
        return value
    }

    /// Revocation messages carry request 0.
    func idOrZero(_ index: Int, _ name: String) throws(ProtocolViolation) -> UInt64 {
        guard let value = elements[index].unsignedInteger, value <= WAMPID.maximum else {
            throw ProtocolViolation("\(type).\(name) must be an integer ID in [0, 2^53]")
        }
        return value
    }

    func dict(_ index: Int, _ name: String) throws(ProtocolViolation) -> WAMPDict {
        guard case .dict(let dict) = elements[index] else {
            throw ProtocolViolation("\(type).\(name) must be a dict")
        }
        return dict
    }

    func string(_ index: Int, _ name: String) throws(ProtocolViolation) -> String {
        guard case .string(let string) = elements[index] else {
            throw ProtocolViolation("\(type).\(name) must be a string")
        }
        return string
    }

    /// A URI field must be a string; whether it is a *valid* URI is the router's decision, since
    /// the answer differs by message (ERROR `invalid_uri` for SUBSCRIBE, ABORT for HELLO).
    func uri(_ index: Int, _ name: String) throws(ProtocolViolation) -> String {
        guard case .string(let string) = elements[index] else {
            throw ProtocolViolation("\(type).\(name) must be a URI string")
        }
        return string
    }

    func payload(at index: Int, transparentAllowed options: WAMPDict) throws(ProtocolViolation) -> Payload {
        guard index < elements.count else { return .empty }
        switch elements[index] {
        case .list(let args):
            guard index + 1 < elements.count else { return .values(args: args, kwargs: nil) }
            guard case .dict(let kwargs) = elements[index + 1] else {
                throw ProtocolViolation("\(type).ArgumentsKw must be a dict")
            }
            return .values(args: args, kwargs: kwargs)
        case .binary(let bytes) where Payload.isTransparent(options) && index + 1 == elements.count:
            return .transparent(bytes)
        default:
            throw ProtocolViolation("\(type).Arguments must be a list")
        }
    }
}

extension Payload {
    /// Whether options announce an opaque payload (payload passthru or end-to-end encryption).
    static func isTransparent(_ options: WAMPDict) -> Bool {
        options["ppt_scheme"] != nil || options["enc_algo"] != nil
    }
}
