import JunctionRouter
import WAMPCore

/// A kill of sessions on another node (`wamp.session.kill*` called on this one), as it goes to
/// that node's kill channel: a WAMP PUBLISH in MessagePack, Options `{realm, reason, message?}`,
/// Arguments the session ids.
public struct ClusterKillRequest: Sendable, Hashable {
    public var realm: String
    public var sessions: [UInt64]
    public var reason: String
    public var message: String?

    public init(realm: String, sessions: [UInt64], reason: String, message: String?) {
        self.realm = realm
        self.sessions = sessions
        self.reason = reason
        self.message = message
    }

    static let topic = "junction.cluster.kill"

    public func encoded() -> [UInt8] {
        var options: WAMPDict = ["realm": .string(self.realm), "reason": .string(self.reason)]
        if let message = self.message { options["message"] = .string(message) }
        let message = WAMPMessage.publish(
            .init(request: 1, options: options, topic: Self.topic, payload: .init(args: self.sessions.map { .uint($0) })))
        return message.encoded(with: MessagePackSerializer())
    }

    public init(bytes: [UInt8]) throws(ClusterFrameError) {
        let message: WAMPMessage
        do {
            message = try WAMPMessage(bytes: bytes, serializer: MessagePackSerializer())
        } catch {
            throw ClusterFrameError(reason: "not a WAMP message: \(error)")
        }
        guard case .publish(let publish) = message else { throw ClusterFrameError(reason: "not a kill request") }
        try self.init(publish: publish)
    }

    /// Reads the request from its decoded PUBLISH (`ClusterMetaRequest` decodes the frame once).
    init(publish: WAMPMessage.Publish) throws(ClusterFrameError) {
        guard publish.topic == Self.topic,
            let realm = publish.options["realm"]?.stringValue,
            let reason = publish.options["reason"]?.stringValue, URIValidation.isValid(reason)
        else { throw ClusterFrameError(reason: "not a kill request") }
        let values = publish.payload.args ?? []
        let sessions = values.compactMap(\.unsignedInteger)
        guard sessions.count == values.count else { throw ClusterFrameError(reason: "a session id is malformed") }
        self.init(realm: realm, sessions: sessions, reason: reason, message: publish.options["message"]?.stringValue)
    }
}
