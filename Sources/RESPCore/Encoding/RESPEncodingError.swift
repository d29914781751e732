/// A value that has no RESP encoding as built: a simple string or error containing CR or LF, a
/// verbatim format that is not three printable ASCII characters, or a big number that is not digits.
public struct RESPEncodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public let detail: String

    public init(_ detail: String) {
        self.detail = detail
    }

    public var description: String { "RESP encoding error: \(self.detail)" }
}
