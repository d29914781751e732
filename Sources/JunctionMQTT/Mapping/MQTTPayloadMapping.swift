import WAMPCore

/// MQTT payloads as WAMP arguments and back.
///
/// `json` (the default, Crossbar-compatible): a payload that is a JSON object with only `args`
/// (a list) and/or `kwargs` (an object) becomes those arguments; any other payload becomes one
/// binary argument, byte-exact. `passthrough`: every payload is one binary argument. Back to
/// MQTT, one binary argument and nothing else is the payload itself; anything else is written as
/// `{"args": [...], "kwargs": {...}}`.
public enum MQTTPayloadMode: String, Sendable, Hashable, CaseIterable {
    case json
    case passthrough
}

/// The payload mode of each topic prefix; the longest matching prefix wins.
public struct MQTTPayloadMapping: Sendable, Hashable {
    public var defaultMode: MQTTPayloadMode
    /// Topic prefix (MQTT form, e.g. `sensors/raw/`) → mode.
    public var prefixes: [String: MQTTPayloadMode]

    public init(defaultMode: MQTTPayloadMode = .json, prefixes: [String: MQTTPayloadMode] = [:]) {
        self.defaultMode = defaultMode
        self.prefixes = prefixes
    }

    public func mode(forTopic topic: String) -> MQTTPayloadMode {
        guard !self.prefixes.isEmpty else { return self.defaultMode }
        var best: (length: Int, mode: MQTTPayloadMode)?
        for (prefix, mode) in self.prefixes where topic.hasPrefix(prefix) {
            if best == nil || prefix.utf8.count > best!.length { best = (prefix.utf8.count, mode) }
        }
        return best?.mode ?? self.defaultMode
    }

    /// The WAMP payload of an MQTT PUBLISH to `topic`.
    public func payload(fromMQTT bytes: [UInt8], topic: String) -> Payload {
        if self.mode(forTopic: topic) == .json, let values = Self.argumentsObject(bytes) {
            return values
        }
        return Payload(args: [.binary(bytes)])
    }

    /// The MQTT payload of a WAMP publication.
    public static func mqttPayload(from payload: Payload) -> [UInt8] {
        switch payload {
        case .transparent(let bytes):
            return bytes
        case .values(let args, let kwargs):
            if kwargs == nil || kwargs?.isEmpty == true {
                guard let args, !args.isEmpty else { return [] }
                if args.count == 1, case .binary(let bytes) = args[0] { return bytes }
            }
            var object: WAMPDict = [:]
            if let args { object["args"] = .list(args) }
            if let kwargs { object["kwargs"] = .dict(kwargs) }
            return JSONSerializer().encode(.dict(object))
        }
    }

    /// `{"args": [...], "kwargs": {...}}` (either key optional, nothing else) as a payload.
    static func argumentsObject(_ bytes: [UInt8]) -> Payload? {
        // Cheap refusal of everything that is not a JSON object.
        guard let first = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
            first == UInt8(ascii: "{")
        else { return nil }
        guard case .dict(let object)? = try? JSONSerializer().decode(bytes), !object.isEmpty else { return nil }
        var args: WAMPList?
        var kwargs: WAMPDict?
        for (key, value) in object {
            switch (key, value) {
            case ("args", .list(let list)): args = list
            case ("kwargs", .dict(let dict)): kwargs = dict
            default: return nil
            }
        }
        return Payload(args: args, kwargs: kwargs)
    }
}
