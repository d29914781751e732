/// A single-pass RFC 8259 parser over untrusted bytes.
///
/// Works on the raw buffer with an index and allocates only for the values it produces (plus one
/// reusable scratch buffer for strings with escapes). Strict: no trailing commas, no leading zeros,
/// no comments, no bare control characters, only valid UTF-8, and nesting bounded by
/// `maximumNestingDepth` so hostile input cannot exhaust the stack.
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index: Int = 0
    var depth: Int = 0
    /// Reused for strings that contain escapes, so parsing them allocates once per message.
    var scratch: [UInt8] = []

    init(_ raw: UnsafeRawBufferPointer) {
        self.bytes = raw.assumingMemoryBound(to: UInt8.self)
    }

    func error(_ reason: String) -> DecodingError {
        DecodingError(reason: reason, offset: self.index)
    }

    /// Parses exactly one value surrounded by optional whitespace.
    mutating func parseDocument() throws(DecodingError) -> WAMPValue {
        self.skipWhitespace()
        let value = try self.parseValue()
        self.skipWhitespace()
        guard self.index == self.bytes.count else {
            throw self.error("unexpected bytes after the JSON value")
        }
        return value
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case 0x20, 0x0A, 0x0D, 0x09: self.index &+= 1
            default: return
            }
        }
    }

    /// Parses a value starting at the current index (whitespace already skipped).
    mutating func parseValue() throws(DecodingError) -> WAMPValue {
        guard self.index < self.bytes.count else { throw self.error("unexpected end of input") }
        switch self.bytes[self.index] {
        case UInt8(ascii: "["):
            return try self.parseArray()
        case UInt8(ascii: "{"):
            return try self.parseObject()
        case UInt8(ascii: "\""):
            return try self.parseStringValue()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try self.parseNumber()
        case UInt8(ascii: "t"):
            try self.expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try self.expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try self.expectLiteral("null")
            return .null
        default:
            throw self.error("unexpected character")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(DecodingError) {
        let count = literal.utf8CodeUnitCount
        guard self.bytes.count &- self.index >= count else { throw self.error("invalid literal") }
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        for offset in 0..<count where self.bytes[self.index &+ offset] != expected[offset] {
            throw self.error("invalid literal")
        }
        self.index &+= count
    }

    private mutating func enterContainer() throws(DecodingError) {
        self.depth &+= 1
        guard self.depth <= maximumNestingDepth else {
            throw self.error("nesting deeper than \(maximumNestingDepth)")
        }
    }

    private mutating func parseArray() throws(DecodingError) -> WAMPValue {
        try self.enterContainer()
        self.index &+= 1  // [
        self.skipWhitespace()
        var elements: [WAMPValue] = []
        if self.index < self.bytes.count && self.bytes[self.index] == UInt8(ascii: "]") {
            self.index &+= 1
            self.depth &-= 1
            return .list(elements)
        }
        while true {
            elements.append(try self.parseValue())
            self.skipWhitespace()
            guard self.index < self.bytes.count else { throw self.error("unterminated array") }
            let byte = self.bytes[self.index]
            self.index &+= 1
            if byte == UInt8(ascii: ",") {
                self.skipWhitespace()
            } else if byte == UInt8(ascii: "]") {
                self.depth &-= 1
                return .list(elements)
            } else {
                self.index &-= 1
                throw self.error("expected ',' or ']' in array")
            }
        }
    }

    private mutating func parseObject() throws(DecodingError) -> WAMPValue {
        try self.enterContainer()
        self.index &+= 1  // {
        self.skipWhitespace()
        var members: [String: WAMPValue] = [:]
        if self.index < self.bytes.count && self.bytes[self.index] == UInt8(ascii: "}") {
            self.index &+= 1
            self.depth &-= 1
            return .dict(members)
        }
        while true {
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\"") else {
                throw self.error("expected a string key in object")
            }
            let key = try self.parseKey()
            self.skipWhitespace()
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ":") else {
                throw self.error("expected ':' after object key")
            }
            self.index &+= 1
            self.skipWhitespace()
            // Duplicate keys: the last one wins, as in most JSON implementations.
            members[key] = try self.parseValue()
            self.skipWhitespace()
            guard self.index < self.bytes.count else { throw self.error("unterminated object") }
            let byte = self.bytes[self.index]
            self.index &+= 1
            if byte == UInt8(ascii: ",") {
                self.skipWhitespace()
            } else if byte == UInt8(ascii: "}") {
                self.depth &-= 1
                return .dict(members)
            } else {
                self.index &-= 1
                throw self.error("expected ',' or '}' in object")
            }
        }
    }
}
