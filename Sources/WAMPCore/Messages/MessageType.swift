/// The message type codes of the Basic and Advanced Profile.
public enum MessageType: UInt64, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case hello = 1
    case welcome = 2
    case abort = 3
    case challenge = 4
    case authenticate = 5
    case goodbye = 6
    case error = 8
    case publish = 16
    case published = 17
    case subscribe = 32
    case subscribed = 33
    case unsubscribe = 34
    case unsubscribed = 35
    case event = 36
    case call = 48
    case cancel = 49
    case result = 50
    case register = 64
    case registered = 65
    case unregister = 66
    case unregistered = 67
    case invocation = 68
    case interrupt = 69
    case yield = 70
    case eventReceived = 337

    public var description: String {
        switch self {
        case .hello: return "HELLO"
        case .welcome: return "WELCOME"
        case .abort: return "ABORT"
        case .challenge: return "CHALLENGE"
        case .authenticate: return "AUTHENTICATE"
        case .goodbye: return "GOODBYE"
        case .error: return "ERROR"
        case .publish: return "PUBLISH"
        case .published: return "PUBLISHED"
        case .subscribe: return "SUBSCRIBE"
        case .subscribed: return "SUBSCRIBED"
        case .unsubscribe: return "UNSUBSCRIBE"
        case .unsubscribed: return "UNSUBSCRIBED"
        case .event: return "EVENT"
        case .call: return "CALL"
        case .cancel: return "CANCEL"
        case .result: return "RESULT"
        case .register: return "REGISTER"
        case .registered: return "REGISTERED"
        case .unregister: return "UNREGISTER"
        case .unregistered: return "UNREGISTERED"
        case .invocation: return "INVOCATION"
        case .interrupt: return "INTERRUPT"
        case .yield: return "YIELD"
        case .eventReceived: return "EVENT_RECEIVED"
        }
    }
}
