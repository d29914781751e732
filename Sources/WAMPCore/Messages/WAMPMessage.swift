/// Every WAMP message of the Basic and Advanced Profile, as a typed value.
///
/// Decoding (`init(from:)`) validates arity, field types, ID ranges and the types of the options
/// the spec defines, so the router only ever sees well-formed messages; everything else is a
/// `ProtocolViolation` that ends the session with `wamp.error.protocol_violation`.
public enum WAMPMessage: Sendable, Hashable {
    case hello(Hello)
    case welcome(Welcome)
    case abort(Abort)
    case challenge(Challenge)
    case authenticate(Authenticate)
    case goodbye(Goodbye)
    case error(Error)
    case publish(Publish)
    case published(Published)
    case subscribe(Subscribe)
    case subscribed(Subscribed)
    case unsubscribe(Unsubscribe)
    case unsubscribed(Unsubscribed)
    case event(Event)
    case eventReceived(EventReceived)
    case call(Call)
    case cancel(Cancel)
    case result(Result)
    case register(Register)
    case registered(Registered)
    case unregister(Unregister)
    case unregistered(Unregistered)
    case invocation(Invocation)
    case interrupt(Interrupt)
    case yield(Yield)

    public var type: MessageType {
        switch self {
        case .hello: return .hello
        case .welcome: return .welcome
        case .abort: return .abort
        case .challenge: return .challenge
        case .authenticate: return .authenticate
        case .goodbye: return .goodbye
        case .error: return .error
        case .publish: return .publish
        case .published: return .published
        case .subscribe: return .subscribe
        case .subscribed: return .subscribed
        case .unsubscribe: return .unsubscribe
        case .unsubscribed: return .unsubscribed
        case .event: return .event
        case .eventReceived: return .eventReceived
        case .call: return .call
        case .cancel: return .cancel
        case .result: return .result
        case .register: return .register
        case .registered: return .registered
        case .unregister: return .unregister
        case .unregistered: return .unregistered
        case .invocation: return .invocation
        case .interrupt: return .interrupt
        case .yield: return .yield
        }
    }
}

/// A message that breaks the protocol: wrong arity, wrong field type, an ID out of range, an
/// unknown message type, or a message not allowed in the current session state.
///
/// The router answers it with ABORT `wamp.error.protocol_violation` carrying `message`.
public struct ProtocolViolation: Swift.Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { self.message }
}
