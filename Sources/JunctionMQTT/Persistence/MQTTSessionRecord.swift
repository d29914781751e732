import MQTTCore
import WAMPCore

/// What a persistent session keeps on disk besides its messages: subscriptions (with options and
/// subscription identifiers), the inbound QoS 2 packet ids awaiting PUBREL, the session expiry
/// interval, once the client is gone, when it left, and (version 2) who the client was, so the
/// session can rejoin its realm at start. Stored under `mqtt.session`, one record per (realm,
/// client id); its messages are `MQTTMessageRecord`s under `mqtt.message`.
///
/// Wire format (MessagePack of a WAMP dict, so the decoder is WAMPCore's fuzzed one):
/// `{"v": 2, "expiry": UInt32, "detached_at": ms since 1970 (absent while connected),
///   "qos2_in": [packet id, ...], "subscriptions": [[key, filter, share name | null, max QoS,
///   no local, retain as published, retain handling, subscription id | null], ...],
///   "identity": [authid, authrole, authmethod, authprovider]}`. Version 1 has no `identity`:
/// such a session is restored when its client reconnects, not at start.
public struct MQTTSessionRecord: Sendable, Hashable {
    public static let version: UInt64 = 2
    /// The oldest version still read.
    static let oldestVersion: UInt64 = 1

    /// By the filter as subscribed (`$share/g/f` included); `realmSubscription` is never kept.
    public var subscriptions: [String: MQTTSubscriptionEntry]
    public var inboundQoS2: Set<UInt16>
    /// Seconds the session outlives its connection.
    public var sessionExpiry: UInt32
    /// When the client disconnected (milliseconds since the Unix epoch); nil while it was
    /// connected, e.g. when the router crashed under it.
    public var detachedAt: Int64?
    /// Who the client was; nil in a version 1 record.
    public var identity: MQTTSessionIdentity?

    public init(
        subscriptions: [String: MQTTSubscriptionEntry] = [:],
        inboundQoS2: Set<UInt16> = [],
        sessionExpiry: UInt32 = 0,
        detachedAt: Int64? = nil,
        identity: MQTTSessionIdentity? = nil
    ) {
        self.subscriptions = subscriptions
        self.inboundQoS2 = inboundQoS2
        self.sessionExpiry = sessionExpiry
        self.detachedAt = detachedAt
        self.identity = identity
    }

    /// Whether `state` has the same subscriptions and inbound QoS 2 ids (the realm subscription
    /// ids, which change with every connection, aside). Allocates nothing.
    func matches(_ state: MQTTSessionState) -> Bool {
        guard self.inboundQoS2 == state.inboundQoS2,
            self.subscriptions.count == state.subscriptions.count
        else {
            return false
        }
        for (key, entry) in state.subscriptions {
            guard let kept = self.subscriptions[key], kept.filter == entry.filter,
                kept.shareName == entry.shareName,
                kept.options == entry.options, kept.identifier == entry.identifier
            else { return false }
        }
        return true
    }

    /// The record of `state`'s subscriptions and inbound QoS 2 ids.
    init(of state: MQTTSessionState, sessionExpiry: UInt32, detachedAt: Int64?, identity: MQTTSessionIdentity?) {
        var subscriptions = state.subscriptions
        for key in subscriptions.keys { subscriptions[key]?.realmSubscription = nil }
        self.init(
            subscriptions: subscriptions,
            inboundQoS2: state.inboundQoS2,
            sessionExpiry: sessionExpiry,
            detachedAt: detachedAt,
            identity: identity
        )
    }

    // MARK: Encoding

    public func encoded() -> [UInt8] {
        var dict: WAMPDict = [
            "v": .uint(Self.version),
            "expiry": .uint(UInt64(self.sessionExpiry)),
            "qos2_in": .list(self.inboundQoS2.sorted().map { .uint(UInt64($0)) }),
            "subscriptions": .list(
                self.subscriptions.sorted { $0.key < $1.key }.map { key, entry in
                    .list([
                        .string(key),
                        .string(entry.filter),
                        entry.shareName.map { .string($0) } ?? .null,
                        .uint(UInt64(entry.options.maximumQoS.rawValue)),
                        .bool(entry.options.noLocal),
                        .bool(entry.options.retainAsPublished),
                        .uint(UInt64(entry.options.retainHandling.rawValue)),
                        entry.identifier.map { .uint(UInt64($0)) } ?? .null,
                    ])
                }
            ),
        ]
        if let detachedAt = self.detachedAt { dict["detached_at"] = .int(detachedAt) }
        if let identity = self.identity {
            dict["identity"] = .list([
                .string(identity.authid), .string(identity.authrole), .string(identity.authmethod),
                .string(identity.authprovider),
            ])
        }
        return MQTTRecordCoding.encode(dict)
    }

    /// Decodes a record this or an earlier version wrote.
    ///
    /// - Throws: `MQTTRecordError` saying what is wrong (never traps on any input).
    public init(decoding bytes: [UInt8]) throws(MQTTRecordError) {
        let dict = try MQTTRecordCoding.decode(bytes, kind: "session")
        guard let expiry = dict["expiry"]?.unsignedInteger, expiry <= UInt64(UInt32.max) else {
            throw MQTTRecordError("session record without a valid expiry")
        }
        self.sessionExpiry = UInt32(expiry)
        if let detached = dict["detached_at"] {
            guard let value = detached.signedInteger else {
                throw MQTTRecordError("session record: bad detached_at")
            }
            self.detachedAt = value
        } else {
            self.detachedAt = nil
        }
        var inbound: Set<UInt16> = []
        for id in dict["qos2_in"]?.listValue ?? [] {
            guard let value = id.unsignedInteger, value > 0, value <= UInt64(UInt16.max) else {
                throw MQTTRecordError("session record: bad inbound QoS 2 packet id")
            }
            inbound.insert(UInt16(value))
        }
        self.inboundQoS2 = inbound
        var subscriptions: [String: MQTTSubscriptionEntry] = [:]
        for item in dict["subscriptions"]?.listValue ?? [] {
            guard let fields = item.listValue, fields.count == 8, let key = fields[0].stringValue,
                let filter = fields[1].stringValue,
                let qos = fields[3].unsignedInteger.flatMap({
                    MQTTQoS(rawValue: UInt8(truncatingIfNeeded: $0))
                }),
                fields[3].unsignedInteger ?? 0 <= 2,
                let noLocal = fields[4].boolValue, let retainAsPublished = fields[5].boolValue,
                let handlingRaw = fields[6].unsignedInteger, handlingRaw <= 2,
                let handling = MQTTRetainHandling(rawValue: UInt8(handlingRaw))
            else { throw MQTTRecordError("session record: malformed subscription") }
            let shareName: String?
            switch fields[2] {
            case .null: shareName = nil
            case .string(let name): shareName = name
            default: throw MQTTRecordError("session record: malformed share name")
            }
            let identifier: Int?
            switch fields[7] {
            case .null: identifier = nil
            default:
                guard let id = fields[7].unsignedInteger, id > 0, id <= 268_435_455 else {
                    throw MQTTRecordError("session record: bad subscription identifier")
                }
                identifier = Int(id)
            }
            subscriptions[key] = MQTTSubscriptionEntry(
                filter: filter,
                shareName: shareName,
                options: MQTTSubscriptionOptions(
                    maximumQoS: qos,
                    noLocal: noLocal,
                    retainAsPublished: retainAsPublished,
                    retainHandling: handling
                ),
                identifier: identifier
            )
        }
        self.subscriptions = subscriptions
        if let value = dict["identity"] {
            guard let fields = value.listValue, fields.count == 4, let authid = fields[0].stringValue,
                let authrole = fields[1].stringValue, let authmethod = fields[2].stringValue,
                let authprovider = fields[3].stringValue
            else { throw MQTTRecordError("session record: malformed identity") }
            self.identity = MQTTSessionIdentity(
                authid: authid, authrole: authrole, authmethod: authmethod, authprovider: authprovider)
        } else {
            self.identity = nil
        }
    }
}

/// A stored record that cannot be read: what is wrong with it.
public struct MQTTRecordError: Error, Hashable, CustomStringConvertible {
    public var problem: String

    public init(_ problem: String) {
        self.problem = problem
    }

    public var description: String { self.problem }
}

/// The envelope every MQTT record shares: a MessagePack dict with a version `v`.
enum MQTTRecordCoding {
    private static let serializer = MessagePackSerializer()

    static func encode(_ dict: WAMPDict) -> [UInt8] {
        self.serializer.encode(.dict(dict))
    }

    static func decode(_ bytes: [UInt8], kind: String) throws(MQTTRecordError) -> WAMPDict {
        let value: WAMPValue
        do {
            value = try self.serializer.decode(bytes)
        } catch {
            throw MQTTRecordError("\(kind) record is not MessagePack (\(error))")
        }
        guard let dict = value.dictValue else { throw MQTTRecordError("\(kind) record is not a map") }
        guard let version = dict["v"]?.unsignedInteger else {
            throw MQTTRecordError("\(kind) record has no version")
        }
        guard version >= MQTTSessionRecord.oldestVersion, version <= MQTTSessionRecord.version else {
            throw MQTTRecordError(
                "\(kind) record version \(version) is not one of the supported "
                    + "\(MQTTSessionRecord.oldestVersion)...\(MQTTSessionRecord.version)")
        }
        return dict
    }
}
