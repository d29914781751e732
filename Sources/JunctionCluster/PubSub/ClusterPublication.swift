import JunctionRouter
import WAMPCore

/// One publication on a source node's ordered path, as it travels through Redis (PUBLISH for the
/// live path, the source's stream for repair).
///
/// On the wire it is a WAMP PUBLISH in MessagePack whose Request is the sequence number and whose
/// Options carry the realm, the publisher's options and identity and the computed EVENT details:
/// decoding reuses WAMPCore's fuzzed parser and its validation, and transparent (passthru)
/// payloads survive as bytes.
public struct ClusterPublication: Sendable, Hashable {
    public var sequence: UInt64
    public var realm: String
    public var topic: String
    /// The publication id the publishing node gave it (the same on every node).
    public var publication: UInt64
    public var payload: Payload
    public var options: WAMPDict
    public var details: WAMPDict
    public var publisher: RemotePublisher
    /// The cluster-wide stream position of a history publication (the publish script's stamp in
    /// front of the frame; not part of the frame itself).
    public var position: StreamPosition?

    public init(
        sequence: UInt64, realm: String, topic: String, publication: UInt64, payload: Payload, options: WAMPDict,
        details: WAMPDict, publisher: RemotePublisher
    ) {
        self.sequence = sequence
        self.realm = realm
        self.topic = topic
        self.publication = publication
        self.payload = payload
        self.options = options
        self.details = details
        self.publisher = publisher
    }

    public func encoded() -> [UInt8] {
        var envelope: WAMPDict = [
            "realm": .string(self.realm), "id": .uint(self.publication), "o": .dict(self.options), "d": .dict(self.details),
            "p": .uint(self.publisher.session), "a": .string(self.publisher.authid),
            "r": .string(self.publisher.authrole),
        ]
        // A transparent payload decodes as bytes only next to its `ppt_scheme`.
        if case .transparent = self.payload { envelope["ppt_scheme"] = self.options["ppt_scheme"] ?? "x_junction" }
        let message = WAMPMessage.publish(
            .init(request: self.sequence, options: envelope, topic: self.topic, payload: self.payload))
        return message.encoded(with: MessagePackSerializer())
    }

    /// Decodes a frame; bad bytes (a foreign writer on our channel, corruption) throw, and the
    /// receiver logs and counts them instead of routing anything.
    public init(bytes: [UInt8]) throws(ClusterFrameError) {
        let (position, frame) = try StreamStamp.split(bytes)
        let message: WAMPMessage
        do {
            message = try WAMPMessage(bytes: position == nil ? bytes : Array(frame), serializer: MessagePackSerializer())
        } catch {
            throw ClusterFrameError(reason: "not a WAMP message: \(error)")
        }
        guard case .publish(let publish) = message else { throw ClusterFrameError(reason: "not a PUBLISH") }
        let envelope = publish.options
        guard let realm = envelope["realm"]?.stringValue, let publication = envelope["id"]?.unsignedInteger,
            let options = envelope["o"]?.dictValue,
            let details = envelope["d"]?.dictValue, let session = envelope["p"]?.unsignedInteger,
            let authid = envelope["a"]?.stringValue, let authrole = envelope["r"]?.stringValue
        else { throw ClusterFrameError(reason: "the envelope misses realm, options, details or publisher") }
        self.init(
            sequence: publish.request, realm: realm, topic: publish.topic, publication: publication,
            payload: publish.payload, options: options, details: details, publisher: RemotePublisher(session: session, authid: authid, authrole: authrole))
        self.position = position
    }
}

public struct ClusterFrameError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public var description: String { self.reason }
}
