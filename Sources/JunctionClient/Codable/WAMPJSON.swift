import WAMPCore

/// JSON text for `WAMPValue`s, using WAMPCore's JSON serializer (binary values use WAMP's
/// `"\u0000" + base64` convention).
///
/// Used for human-facing output (error descriptions, the `junction` CLI) and for parsing
/// command-line arguments.
public enum WAMPJSON {
    /// Compact JSON text for `value`.
    public static func string(_ value: WAMPValue) -> String {
        String(decoding: JSONSerializer().encode(value), as: UTF8.self)
    }

    /// Parses JSON text; `nil` if `text` is not a single valid JSON value.
    public static func parse(_ text: String) -> WAMPValue? {
        try? JSONSerializer().decode(Array(text.utf8))
    }
}
