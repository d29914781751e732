import NIOCore

/// One value of the Redis serialization protocol, RESP2 and RESP3
/// (https://redis.io/docs/latest/develop/reference/protocol-spec/).
///
/// Wire format: a type byte, then a line ended by CRLF; bulk types announce a byte length and
/// aggregates an element count on that line, and the payload or elements follow. Byte payloads
/// stay `ByteBuffer` slices of what was read, so a decoded reply costs no copy; Redis keys and
/// values are binary, so nothing here assumes UTF-8.
public enum RESPValue: Sendable, Hashable {
    /// `+OK\r\n`: a line without CR or LF.
    case simpleString(ByteBuffer)
    /// `-ERR unknown command\r\n`: the first word is the error's code (`ERR`, `NOAUTH`, `WRONGPASS`).
    case simpleError(ByteBuffer)
    /// `:-42\r\n`: a signed 64-bit integer.
    case integer(Int64)
    /// `$5\r\nhello\r\n`; `$-1\r\n` (RESP2's null bulk string) is `nil`.
    case bulkString(ByteBuffer?)
    /// `*2\r\n:1\r\n:2\r\n`; `*-1\r\n` (RESP2's null array) is `nil`.
    case array([RESPValue]?)
    /// `_\r\n` (RESP3).
    case null
    /// `#t\r\n` or `#f\r\n` (RESP3).
    case boolean(Bool)
    /// `,3.14\r\n`, `,inf\r\n`, `,-inf\r\n`, `,nan\r\n` (RESP3).
    case double(Double)
    /// `(3492890328409238509324850943850943825024385\r\n` (RESP3): an optional sign and decimal digits.
    case bigNumber(String)
    /// `!21\r\nSYNTAX invalid syntax\r\n` (RESP3): an error whose text may contain CR or LF.
    case bulkError(ByteBuffer)
    /// `=15\r\ntxt:Some string\r\n` (RESP3): a string with a three-character format (`txt`, `mkd`).
    case verbatimString(format: String, ByteBuffer)
    /// `%1\r\n+key\r\n:1\r\n` (RESP3): pairs in wire order; keys may repeat and be of any type.
    case map([RESPPair])
    /// `~2\r\n:1\r\n:2\r\n` (RESP3): elements in wire order.
    case set([RESPValue])
    /// `|1\r\n+ttl\r\n:3600\r\n` followed by the value it describes (RESP3): `attribute(pairs, value)`.
    indirect case attribute([RESPPair], RESPValue)
    /// `>3\r\n+message\r\n+channel\r\n+payload\r\n` (RESP3): out-of-band data, such as pub/sub messages.
    case push([RESPValue])
}

/// One key and value of a RESP3 map or attribute.
public struct RESPPair: Sendable, Hashable {
    public var key: RESPValue
    public var value: RESPValue

    public init(_ key: RESPValue, _ value: RESPValue) {
        self.key = key
        self.value = value
    }
}

extension RESPValue {
    /// A bulk string holding the UTF-8 bytes of `string`.
    public static func bulkString(_ string: String) -> RESPValue {
        .bulkString(ByteBuffer(string: string))
    }

    /// A simple string holding the UTF-8 bytes of `string` (which must not contain CR or LF to be encodable).
    public static func simpleString(_ string: String) -> RESPValue {
        .simpleString(ByteBuffer(string: string))
    }

    /// The text of a simple string, bulk string or verbatim string, decoded as UTF-8 (invalid bytes
    /// replaced); `nil` for other values.
    public var string: String? {
        switch self {
        case .simpleString(let bytes), .bulkString(.some(let bytes)), .verbatimString(_, let bytes):
            return String(buffer: bytes)
        default:
            return nil
        }
    }

    /// The value of an integer reply.
    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The elements of an array, set or push; `nil` for other values.
    public var elements: [RESPValue]? {
        switch self {
        case .array(.some(let elements)), .set(let elements), .push(let elements):
            return elements
        default:
            return nil
        }
    }

    /// Whether this is one of the three nulls (RESP3 null, RESP2 null bulk string, RESP2 null array).
    public var isNull: Bool {
        switch self {
        case .null, .bulkString(nil), .array(nil): return true
        default: return false
        }
    }

    /// The error text of a simple or bulk error; `nil` for other values.
    public var errorMessage: String? {
        switch self {
        case .simpleError(let bytes), .bulkError(let bytes): return String(buffer: bytes)
        default: return nil
        }
    }

    /// The value a map (or, in RESP2, a flat array of alternating keys and values) holds for the
    /// string `key`, compared byte for byte.
    public func value(forKey key: String) -> RESPValue? {
        switch self {
        case .map(let pairs):
            return pairs.first(where: { $0.key.string == key })?.value
        case .array(.some(let elements)) where elements.count % 2 == 0:
            var index = 0
            while index < elements.count {
                if elements[index].string == key { return elements[index + 1] }
                index += 2
            }
            return nil
        default:
            return nil
        }
    }
}
