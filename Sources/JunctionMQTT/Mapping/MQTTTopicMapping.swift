import MQTTCore
import WAMPCore

/// MQTT topic names and filters as realm URIs and subscriptions (Crossbar-compatible).
///
/// A level is a URI component: `a/b/c` is `a.b.c`. Bytes a loose WAMP URI component cannot hold
/// (`.`, `#`, whitespace), the escape character `%` itself, and `/` and `+` coming back from a
/// WAMP URI are written `%XX`; an empty level is the component `%` (alone it is no escape), so
/// every topic maps to a valid URI and back to itself. Realms with strict URI rules cannot carry
/// MQTT topics that need escaping (the realm refuses those URIs).
public enum MQTTTopicMapping {
    /// The URI a PUBLISH to `topic` (a valid topic name) goes to.
    public static func uri(forTopic topic: String) -> String {
        let bytes = Array(topic.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 4)
        var levelEmpty = true
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "/") {
                if levelEmpty { out.append(UInt8(ascii: "%")) }
                out.append(UInt8(ascii: "."))
                levelEmpty = true
                continue
            }
            levelEmpty = false
            if byte == 0xC2, index < bytes.count, bytes[index] == 0xA0 {
                // NBSP is whitespace to the realm.
                out.append(contentsOf: Array("%C2%A0".utf8))
                index += 1
                continue
            }
            Self.appendEscaped(byte, to: &out)
        }
        if levelEmpty { out.append(UInt8(ascii: "%")) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The MQTT topic name of `uri`, or nil if it has none (a reserved `wamp.` URI, or one that
    /// decodes to an invalid topic name).
    public static func topic(forURI uri: String) -> String? {
        guard !URIValidation.isReserved(uri) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(uri.utf8.count)
        let bytes = Array(uri.utf8)
        var index = 0
        var componentStart = 0
        while index <= bytes.count {
            if index == bytes.count || bytes[index] == UInt8(ascii: ".") {
                let component = bytes[componentStart..<index]
                if component.count == 1 && component.first == UInt8(ascii: "%") {
                    // An empty level.
                } else {
                    var position = component.startIndex
                    while position < component.endIndex {
                        let byte = component[position]
                        if byte == UInt8(ascii: "%"), position + 2 < component.endIndex,
                            let high = Self.hexValue(component[position + 1]),
                            let low = Self.hexValue(component[position + 2])
                        {
                            out.append(high << 4 | low)
                            position += 3
                        } else {
                            out.append(byte)
                            position += 1
                        }
                    }
                }
                if index < bytes.count { out.append(UInt8(ascii: "/")) }
                componentStart = index + 1
            }
            index += 1
        }
        guard let topic = String(validating: out, as: UTF8.self), MQTTTopic.isValidName(topic) else { return nil }
        return topic
    }

    /// The realm's match policies (`SUBSCRIBE.Options.match`), by their wire names.
    public enum Match: String, Sendable, Hashable {
        case exact, prefix, wildcard
    }

    /// How a topic filter is subscribed in the realm: a WAMP subscription that receives at
    /// least every publication the filter matches. Events are then matched against the filter
    /// itself, so the realm's prefix (`a/#` is prefix `a`: also `ab`) may be wider.
    public struct RealmSubscription: Sendable, Hashable {
        public var uri: String
        public var match: Match

        public init(uri: String, match: Match) {
            self.uri = uri
            self.match = match
        }
    }

    /// The realm subscription for `filter` (a valid filter, not `$share/`).
    ///
    /// No wildcard: exact. `+` only: wildcard (each `+` an empty component). Ending in `#`:
    /// prefix on the levels before the first wildcard (`a/#` is prefix `a`, so `a` matches too);
    /// with no such level (`#`, `+/#`) the empty prefix, which matches every URI.
    public static func realmSubscription(forFilter filter: String) -> RealmSubscription {
        let levels = filter.split(separator: "/", omittingEmptySubsequences: false)
        let hasMulti = levels.last == "#"
        let hasSingle = levels.contains("+")
        if !hasMulti && !hasSingle {
            return RealmSubscription(uri: Self.uri(forTopic: filter), match: .exact)
        }
        if !hasMulti {
            let components = levels.map { level in level == "+" ? "" : Self.uri(forTopic: String(level)) }
            return RealmSubscription(uri: components.joined(separator: "."), match: .wildcard)
        }
        let literal = levels.prefix { $0 != "+" && $0 != "#" }
        guard !literal.isEmpty else { return RealmSubscription(uri: "", match: .prefix) }
        return RealmSubscription(uri: Self.uri(forTopic: literal.joined(separator: "/")), match: .prefix)
    }

    private static func appendEscaped(_ byte: UInt8, to out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "%"), UInt8(ascii: "."), UInt8(ascii: "#"), UInt8(ascii: "+"), 0x20, 0x09...0x0D:
            out.append(UInt8(ascii: "%"))
            out.append(Self.hexDigit(byte >> 4))
            out.append(Self.hexDigit(byte & 0x0F))
        default:
            out.append(byte)
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
