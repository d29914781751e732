import JunctionRouter
import WAMPCore

/// What one node's meta API asks another node to do to that node's own sessions, on the target
/// node's request channel (`kill:<node>`): end sessions (`ClusterKillRequest`, its wire format
/// unchanged) or remove a subscriber or callee (`ClusterRemovalRequest`).
///
/// Every kind is a WAMP PUBLISH in MessagePack whose topic names the kind, so a node that does
/// not know a kind rejects the frame (logged, counted) and keeps serving.
public enum ClusterMetaRequest: Sendable, Hashable {
    case kill(ClusterKillRequest)
    case remove(ClusterRemovalRequest)

    public func encoded() -> [UInt8] {
        switch self {
        case .kill(let request): request.encoded()
        case .remove(let request): request.encoded()
        }
    }

    /// Decodes a frame from the request channel; a pure function of the bytes (fuzzed), which
    /// throws for anything that is not a well-formed request of a known kind.
    public init(bytes: [UInt8]) throws(ClusterFrameError) {
        let message: WAMPMessage
        do {
            message = try WAMPMessage(bytes: bytes, serializer: MessagePackSerializer())
        } catch {
            throw ClusterFrameError(reason: "not a WAMP message: \(error)")
        }
        guard case .publish(let publish) = message else { throw ClusterFrameError(reason: "not a meta request") }
        switch publish.topic {
        case ClusterKillRequest.topic:
            self = try .kill(ClusterKillRequest(publish: publish))
        case ClusterRemovalRequest.subscriberTopic, ClusterRemovalRequest.calleeTopic:
            self = try .remove(ClusterRemovalRequest(publish: publish))
        default:
            throw ClusterFrameError(reason: "unknown meta request '\(publish.topic)'")
        }
    }
}

/// A `remove_subscriber` or `remove_callee` for a subscriber or callee on the target node: a
/// WAMP PUBLISH to `junction.cluster.remove_subscriber` (or `remove_callee`), Options
/// `{realm, reason}`, Arguments `[subscription or registration id, session id]`.
public struct ClusterRemovalRequest: Sendable, Hashable {
    public var realm: String
    public var removal: ClusterRemoval
    /// Told to the revoked peer (`UNSUBSCRIBED`/`UNREGISTERED` details), free text as on one node.
    public var reason: String

    public init(realm: String, removal: ClusterRemoval, reason: String) {
        self.realm = realm
        self.removal = removal
        self.reason = reason
    }

    static let subscriberTopic = "junction.cluster.remove_subscriber"
    static let calleeTopic = "junction.cluster.remove_callee"

    public func encoded() -> [UInt8] {
        let (topic, id, session): (String, UInt64, UInt64) =
            switch self.removal {
            case .subscriber(let subscription, let session): (Self.subscriberTopic, subscription, session)
            case .callee(let registration, let session): (Self.calleeTopic, registration, session)
            }
        let message = WAMPMessage.publish(
            .init(
                request: 1, options: ["realm": .string(self.realm), "reason": .string(self.reason)], topic: topic,
                payload: .init(args: [.uint(id), .uint(session)])))
        return message.encoded(with: MessagePackSerializer())
    }

    init(publish: WAMPMessage.Publish) throws(ClusterFrameError) {
        guard let realm = publish.options["realm"]?.stringValue, !realm.isEmpty,
            let reason = publish.options["reason"]?.stringValue
        else { throw ClusterFrameError(reason: "a removal request without realm or reason") }
        let args = publish.payload.args ?? []
        guard args.count == 2, let id = args[0].unsignedInteger, let session = args[1].unsignedInteger else {
            throw ClusterFrameError(reason: "a removal request needs [id, session] as unsigned integers")
        }
        let removal: ClusterRemoval =
            publish.topic == Self.calleeTopic
            ? .callee(registration: id, session: session) : .subscriber(subscription: id, session: session)
        self.init(realm: realm, removal: removal, reason: reason)
    }
}
