import JunctionRouter
import WAMPCore

/// One session's testaments as a node keeps them in Redis (a field of its testament hash), for
/// another node to publish if this one dies.
///
/// On the wire it is a WAMP PUBLISH in MessagePack (WAMPCore's fuzzed parser decodes it): Options
/// `{realm, p: session, a: authid, r: authrole}`, Arguments one `[scope, topic, args, kwargs,
/// options]` per testament, in publication order.
public struct StoredTestaments: Sendable, Hashable {
    public var realm: String
    public var publisher: RemotePublisher
    public var testaments: [ClusterTestament]

    public init(realm: String, publisher: RemotePublisher, testaments: [ClusterTestament]) {
        self.realm = realm
        self.publisher = publisher
        self.testaments = testaments
    }

    static let topic = "junction.cluster.testaments"

    /// The hash field: session ids are unique per node only within a realm.
    public var field: String { Self.field(realm: self.realm, session: self.publisher.session) }

    public static func field(realm: String, session: UInt64) -> String { "\(session) \(realm)" }

    public func encoded() -> [UInt8] {
        let entries: WAMPList = self.testaments.map { testament in
            // A transparent payload (payload passthru) travels as bytes in the args position.
            let args: WAMPValue
            var kwargs: WAMPValue = .null
            switch testament.payload {
            case .values(let list, let dict):
                args = .list(list ?? [])
                kwargs = dict.map { .dict($0) } ?? .null
            case .transparent(let bytes):
                args = .binary(bytes)
            }
            return [.string(testament.scope), .string(testament.topic), args, kwargs, .dict(testament.options)]
        }
        let options: WAMPDict = [
            "realm": .string(self.realm), "p": .uint(self.publisher.session), "a": .string(self.publisher.authid),
            "r": .string(self.publisher.authrole),
        ]
        let message = WAMPMessage.publish(
            .init(request: 1, options: options, topic: Self.topic, payload: .init(args: entries)))
        return message.encoded(with: MessagePackSerializer())
    }

    /// Decodes a hash field's value; anything malformed throws (the publishing node logs it and
    /// publishes the rest).
    public init(bytes: [UInt8]) throws(ClusterFrameError) {
        let message: WAMPMessage
        do {
            message = try WAMPMessage(bytes: bytes, serializer: MessagePackSerializer())
        } catch {
            throw ClusterFrameError(reason: "not a WAMP message: \(error)")
        }
        guard case .publish(let publish) = message, publish.topic == Self.topic,
            let realm = publish.options["realm"]?.stringValue, let session = publish.options["p"]?.unsignedInteger,
            let authid = publish.options["a"]?.stringValue, let authrole = publish.options["r"]?.stringValue
        else { throw ClusterFrameError(reason: "not a session's testaments") }
        var testaments: [ClusterTestament] = []
        for entry in publish.payload.args ?? [] {
            guard let fields = entry.listValue, fields.count == 5,
                let scope = fields[0].stringValue, scope == "detached" || scope == "destroyed",
                let topic = fields[1].stringValue, URIValidation.isValid(topic), !URIValidation.isReserved(topic),
                fields[3].isNull || fields[3].dictValue != nil, let options = fields[4].dictValue
            else { throw ClusterFrameError(reason: "a testament entry is malformed") }
            let payload: Payload
            if let args = fields[2].listValue {
                payload = .init(args: args, kwargs: fields[3].dictValue)
            } else if case .binary(let bytes) = fields[2] {
                payload = .transparent(bytes)
            } else {
                throw ClusterFrameError(reason: "a testament's arguments are neither a list nor bytes")
            }
            testaments.append(ClusterTestament(scope: scope, topic: topic, payload: payload, options: options))
        }
        self.init(
            realm: realm, publisher: RemotePublisher(session: session, authid: authid, authrole: authrole),
            testaments: testaments)
    }
}
