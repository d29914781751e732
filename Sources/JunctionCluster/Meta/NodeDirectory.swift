import JunctionRouter
import WAMPCore

/// What a node tells the others about its sessions and subscriptions, per realm, as it is kept in
/// Redis (one key per node, rewritten when it changes).
///
/// On the wire it is a WAMP PUBLISH in MessagePack, like `ClusterPublication`, so decoding reuses
/// WAMPCore's fuzzed parser and validation: Options `{node, epoch}`, Arguments one list per realm
/// `[realm, [session details...], [[id, uri, match, created, [subscriber...]]...]]`.
public struct NodeDirectory: Sendable, Hashable {
    public var node: String
    public var epoch: UInt64
    public var realms: [String: RealmDirectory]

    public init(node: String, epoch: UInt64, realms: [String: RealmDirectory]) {
        self.node = node
        self.epoch = epoch
        self.realms = realms
    }

    static let topic = "junction.cluster.directory"

    public func encoded() -> [UInt8] {
        let realms: WAMPList = self.realms.sorted { $0.key < $1.key }.map { name, directory in
            let sessions: WAMPList = directory.sessions.map { .dict($0.details) }
            let subscriptions: WAMPList = directory.subscriptions.map { subscription in
                [
                    .uint(subscription.id), .string(subscription.topic), .string(subscription.match.rawValue),
                    .string(subscription.created), .list(subscription.subscribers.map { .uint($0) }),
                ]
            }
            return [.string(name), .list(sessions), .list(subscriptions)]
        }
        let message = WAMPMessage.publish(
            .init(
                request: 1, options: ["node": .string(self.node), "epoch": .uint(self.epoch)], topic: Self.topic,
                payload: .init(args: realms)))
        return message.encoded(with: MessagePackSerializer())
    }

    /// Decodes a directory; anything malformed throws (the reader logs it and keeps what it had).
    public init(bytes: [UInt8]) throws(ClusterFrameError) {
        let message: WAMPMessage
        do {
            message = try WAMPMessage(bytes: bytes, serializer: MessagePackSerializer())
        } catch {
            throw ClusterFrameError(reason: "not a WAMP message: \(error)")
        }
        guard case .publish(let publish) = message, publish.topic == Self.topic,
            let node = publish.options["node"]?.stringValue, ClusterNodeName.isValid(node),
            let epoch = publish.options["epoch"]?.unsignedInteger
        else { throw ClusterFrameError(reason: "not a node directory") }
        var realms: [String: RealmDirectory] = [:]
        for entry in publish.payload.args ?? [] {
            guard let parts = entry.listValue, parts.count == 3, let name = parts[0].stringValue,
                let sessions = parts[1].listValue, let subscriptions = parts[2].listValue
            else { throw ClusterFrameError(reason: "a realm entry is not [name, sessions, subscriptions]") }
            var directory = RealmDirectory()
            for value in sessions {
                guard let details = value.dictValue, let id = details["session"]?.unsignedInteger,
                    let authid = details["authid"]?.stringValue, let authrole = details["authrole"]?.stringValue
                else { throw ClusterFrameError(reason: "a session entry misses session, authid or authrole") }
                directory.sessions.append(.init(id: id, authid: authid, authrole: authrole, details: details))
            }
            for value in subscriptions {
                guard let fields = value.listValue, fields.count == 5, let id = fields[0].unsignedInteger,
                    let topic = fields[1].stringValue,
                    let match = fields[2].stringValue.flatMap(MatchPolicy.init(rawValue:)),
                    let created = fields[3].stringValue, let subscribers = fields[4].listValue
                else { throw ClusterFrameError(reason: "a subscription entry is malformed") }
                let ids = subscribers.compactMap(\.unsignedInteger)
                guard ids.count == subscribers.count else {
                    throw ClusterFrameError(reason: "a subscriber is not a session id")
                }
                directory.subscriptions.append(
                    .init(id: id, topic: topic, match: match, created: created, subscribers: ids))
            }
            realms[name] = directory
        }
        self.init(node: node, epoch: epoch, realms: realms)
    }
}
