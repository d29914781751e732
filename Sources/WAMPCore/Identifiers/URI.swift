/// URI validation per the spec's "Relaxed/Loose URIs" and "Strict URIs" rules.
///
/// Works on UTF-8 bytes without regular expressions: it runs for every SUBSCRIBE, REGISTER, PUBLISH
/// and CALL, so it must be cheap.
public enum URIRules: String, Sendable, Hashable, CaseIterable {
    /// Components must not contain `.`, `#` or whitespace.
    case loose
    /// Components contain only `a-z`, `0-9` and `_`.
    case strict
}

public enum URIValidation {
    /// Whether `uri` is valid under `rules`. Empty components are allowed only when
    /// `allowEmptyComponents` (wildcard patterns); a prefix pattern may end in `.`.
    public static func isValid(
        _ uri: String, rules: URIRules = .loose, allowEmptyComponents: Bool = false,
        allowTrailingDot: Bool = false
    ) -> Bool {
        if let result = uri.utf8.withContiguousStorageIfAvailable({
            Self.check($0, rules: rules, allowEmpty: allowEmptyComponents, allowTrailingDot: allowTrailingDot)
        }) {
            return result
        }
        let copy = Array(uri.utf8)
        return copy.withUnsafeBufferPointer {
            Self.check($0, rules: rules, allowEmpty: allowEmptyComponents, allowTrailingDot: allowTrailingDot)
        }
    }

    /// Whether the URI is in the reserved `wamp.` namespace, which applications must not use for
    /// their own registrations and subscriptions.
    public static func isReserved(_ uri: String) -> Bool {
        uri == "wamp" || uri.hasPrefix("wamp.")
    }

    private static func check(
        _ bytes: UnsafeBufferPointer<UInt8>, rules: URIRules, allowEmpty: Bool, allowTrailingDot: Bool
    ) -> Bool {
        if bytes.isEmpty { return allowEmpty }
        var componentLength = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                if componentLength == 0 && !allowEmpty { return false }
                componentLength = 0
            } else {
                switch rules {
                case .loose:
                    // `#`, ASCII whitespace. Non-ASCII bytes are allowed (UTF-8 letters).
                    if byte == UInt8(ascii: "#") || byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) { return false }
                    // Unicode whitespace that appears in practice: NBSP (C2 A0), U+2000..U+200A, U+3000.
                    if byte == 0xC2, index + 1 < bytes.count, bytes[index + 1] == 0xA0 { return false }
                case .strict:
                    let isLower = byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")
                    let isDigit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
                    if !(isLower || isDigit || byte == UInt8(ascii: "_")) { return false }
                }
                componentLength += 1
            }
            index += 1
        }
        if componentLength == 0 && !allowEmpty && !(allowTrailingDot && bytes.count > 1) { return false }
        return true
    }
}
