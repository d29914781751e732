import MQTTCore
import WAMPCore

/// One QoS ≥ 1 message of a persistent session on disk: queued, or sent and not yet
/// acknowledged (with its packet id, and whether PUBREL was already sent for QoS 2). Stored under
/// `mqtt.message`, keyed by session and a serial that grows with every message stored, so the
/// queue comes back in order.
///
/// Wire format (MessagePack of a WAMP dict; `v` is `MQTTSessionRecord.version`, the format is the
/// same in versions 1 and 2): `{"v": 2, "topic": String, "payload": binary,
/// "x_mqtt": {qos, retain, 5.0 properties — as `MQTTMessageOptions`}, "ids": [subscription id],
/// "queued_at": ms since 1970, "share": [share name, filter] (shared subscriptions only),
/// "packet_id": UInt16 and "sequence": send order (in flight only), "released": Bool}`
public struct MQTTMessageRecord: Sendable, Hashable {
    /// Where the message was when it was written.
    public enum Placement: Sendable, Hashable {
        case queued
        /// Sent with `packetIdentifier`; `released`: PUBREC received, PUBREL sent.
        case inflight(packetIdentifier: UInt16, sequence: UInt64, released: Bool)
    }

    public var outbound: MQTTOutboundMessage
    public var placement: Placement
    /// When it was queued, milliseconds since the Unix epoch: message expiry counts from here,
    /// across a restart (the in-memory `queuedAt` is a monotonic clock's and means nothing then).
    public var queuedAtWallClock: Int64

    public init(outbound: MQTTOutboundMessage, placement: Placement, queuedAtWallClock: Int64) {
        self.outbound = outbound
        self.placement = placement
        self.queuedAtWallClock = queuedAtWallClock
    }

    public func encoded() -> [UInt8] {
        let message = self.outbound.message
        var dict: WAMPDict = [
            "v": .uint(MQTTSessionRecord.version),
            "topic": .string(message.topic),
            "payload": .binary(message.payload),
            MQTTMessageOptions.key: MQTTMessageOptions.value(for: message),
            "queued_at": .int(self.queuedAtWallClock),
        ]
        if !self.outbound.subscriptionIdentifiers.isEmpty {
            dict["ids"] = .list(self.outbound.subscriptionIdentifiers.map { .uint(UInt64($0)) })
        }
        if let share = self.outbound.share {
            dict["share"] = .list([.string(share.shareName), .string(share.filter)])
        }
        if case .inflight(let id, let sequence, let released) = self.placement {
            dict["packet_id"] = .uint(UInt64(id))
            dict["sequence"] = .uint(sequence)
            dict["released"] = .bool(released)
        }
        return MQTTRecordCoding.encode(dict)
    }

    /// Decodes a record; `queuedAt` of the message is left 0 (the caller maps the wall clock
    /// time onto its monotonic clock).
    ///
    /// - Throws: `MQTTRecordError` saying what is wrong (never traps on any input).
    public init(decoding bytes: [UInt8]) throws(MQTTRecordError) {
        let dict = try MQTTRecordCoding.decode(bytes, kind: "message")
        guard let topic = dict["topic"]?.stringValue, let payload = dict["payload"]?.binaryValue,
            let options = dict[MQTTMessageOptions.key]?.dictValue,
            let qosRaw = options["qos"]?.unsignedInteger, qosRaw == 1 || qosRaw == 2,
            let queuedAt = dict["queued_at"]?.signedInteger
        else { throw MQTTRecordError("message record without topic, payload, QoS 1/2 or queued_at") }
        let message = MQTTMessageOptions.message(topic: topic, payload: payload, details: dict)
        var ids: [Int] = []
        for id in dict["ids"]?.listValue ?? [] {
            guard let value = id.unsignedInteger, value > 0, value <= 268_435_455 else {
                throw MQTTRecordError("message record: bad subscription identifier")
            }
            ids.append(Int(value))
        }
        var share: MQTTShare?
        if let pair = dict["share"] {
            guard let list = pair.listValue, list.count == 2, let name = list[0].stringValue,
                let filter = list[1].stringValue
            else { throw MQTTRecordError("message record: malformed share") }
            share = MQTTShare(shareName: name, filter: filter)
        }
        if let idValue = dict["packet_id"] {
            guard let id = idValue.unsignedInteger, id > 0, id <= UInt64(UInt16.max),
                let sequence = dict["sequence"]?.unsignedInteger, let released = dict["released"]?.boolValue
            else { throw MQTTRecordError("message record: malformed in-flight state") }
            self.placement = .inflight(
                packetIdentifier: UInt16(id), sequence: sequence, released: released)
        } else {
            self.placement = .queued
        }
        self.outbound = MQTTOutboundMessage(
            message: message, subscriptionIdentifiers: ids, share: share)
        self.queuedAtWallClock = queuedAt
    }
}
