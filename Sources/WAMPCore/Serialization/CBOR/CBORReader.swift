/// Decodes CBOR (RFC 8949) from untrusted bytes, checking every declared length against the bytes
/// actually present before reading or allocating.
struct CBORReader {
    var cursor: ByteCursor
    var depth: Int = 0

    /// The "additional information" value meaning indefinite length (or break, in major type 7).
    private static let indefinite: UInt8 = 31
    private static let breakByte: UInt8 = 0xFF

    init(_ raw: UnsafeRawBufferPointer) {
        self.cursor = ByteCursor(raw)
    }

    mutating func readValue() throws(DecodingError) -> WAMPValue {
        var initial = try self.cursor.readByte()
        // Tags (major type 6) annotate the next item; WAMP has no use for them, so keep the item.
        // A loop rather than recursion: a run of tags must not cost stack.
        while initial >> 5 == 6 {
            _ = try self.readArgument(initial & 0x1F)
            initial = try self.cursor.readByte()
        }
        let info = initial & 0x1F
        switch initial >> 5 {
        case 0:
            return .decodedUnsigned(try self.readArgument(info))
        case 1:
            let argument = try self.readArgument(info)
            guard argument <= UInt64(Int64.max) else {
                throw self.cursor.error("negative integer below Int64.min")
            }
            return .int(-1 - Int64(argument))
        case 2:
            return .binary(try self.readByteString(info))
        case 3:
            return .string(try self.readTextString(info))
        case 4:
            return try self.readArray(info)
        case 5:
            return try self.readMap(info)
        default:
            return try self.readSimpleOrFloat(info)
        }
    }

    /// The argument of a head: the value itself for 0...23, else the following 1, 2, 4 or 8 bytes.
    /// Indefinite length (31) is handled by callers that allow it; 28...30 are reserved.
    private mutating func readArgument(_ info: UInt8) throws(DecodingError) -> UInt64 {
        switch info {
        case 0...23: return UInt64(info)
        case 24: return UInt64(try self.cursor.readByte())
        case 25: return UInt64(try self.cursor.readBigEndian(UInt16.self))
        case 26: return UInt64(try self.cursor.readBigEndian(UInt32.self))
        case 27: return try self.cursor.readBigEndian(UInt64.self)
        default: throw DecodingError(reason: "invalid additional information \(info)", offset: self.cursor.index &- 1)
        }
    }

    private mutating func enterContainer() throws(DecodingError) {
        self.depth &+= 1
        guard self.depth <= maximumNestingDepth else {
            throw self.cursor.error("nesting deeper than \(maximumNestingDepth)")
        }
    }

    /// Consumes a break byte if it is next; `false` leaves the cursor unchanged.
    private mutating func consumeBreak() throws(DecodingError) -> Bool {
        guard try self.cursor.peekByte() == Self.breakByte else { return false }
        self.cursor.index &+= 1
        return true
    }

    private mutating func readByteString(_ info: UInt8) throws(DecodingError) -> [UInt8] {
        guard info == Self.indefinite else {
            return try self.cursor.readBytes(count: try self.readArgument(info))
        }
        var bytes: [UInt8] = []
        while try !self.consumeBreak() {
            let chunkHead = try self.cursor.readByte()
            guard chunkHead >> 5 == 2, chunkHead & 0x1F != Self.indefinite else {
                throw DecodingError(reason: "indefinite byte string chunk is not a definite byte string",
                    offset: self.cursor.index &- 1)
            }
            // Read the argument first: `self.cursor.checkedLength(try self.readArgument(...))` would
            // check against a copy of the cursor taken before the argument's bytes were consumed,
            // letting a chunk claim bytes past the end (found by FuzzCBOR).
            let declared = try self.readArgument(chunkHead & 0x1F)
            let length = try self.cursor.checkedLength(declared)
            bytes.append(contentsOf: self.cursor.take(length))
        }
        return bytes
    }

    /// Text strings must be UTF-8; each chunk of an indefinite one must be valid on its own.
    private mutating func readTextString(_ info: UInt8) throws(DecodingError) -> String {
        guard info == Self.indefinite else {
            return try self.cursor.readString(count: try self.readArgument(info))
        }
        var string = ""
        while try !self.consumeBreak() {
            let chunkHead = try self.cursor.readByte()
            guard chunkHead >> 5 == 3, chunkHead & 0x1F != Self.indefinite else {
                throw DecodingError(reason: "indefinite text string chunk is not a definite text string",
                    offset: self.cursor.index &- 1)
            }
            string += try self.cursor.readString(count: try self.readArgument(chunkHead & 0x1F))
        }
        return string
    }

    private mutating func readArray(_ info: UInt8) throws(DecodingError) -> WAMPValue {
        var elements: [WAMPValue] = []
        if info == Self.indefinite {
            try self.enterContainer()
            while try !self.consumeBreak() {
                elements.append(try self.readValue())
            }
        } else {
            let count = try self.readArgument(info)
            // Every element takes at least one byte.
            guard count <= UInt64(self.cursor.remaining) else {
                throw self.cursor.error("array length \(count) exceeds the remaining bytes")
            }
            try self.enterContainer()
            elements.reserveCapacity(Int(count))
            for _ in 0..<count {
                elements.append(try self.readValue())
            }
        }
        self.depth &-= 1
        return .list(elements)
    }

    private mutating func readMap(_ info: UInt8) throws(DecodingError) -> WAMPValue {
        var members: [String: WAMPValue] = [:]
        if info == Self.indefinite {
            try self.enterContainer()
            while try !self.consumeBreak() {
                let key = try self.readKey()
                members[key] = try self.readValue()
            }
        } else {
            let count = try self.readArgument(info)
            // Every entry takes at least two bytes (key and value).
            guard count <= UInt64(self.cursor.remaining / 2) else {
                throw self.cursor.error("map length \(count) exceeds the remaining bytes")
            }
            try self.enterContainer()
            for _ in 0..<count {
                let key = try self.readKey()
                members[key] = try self.readValue()
            }
        }
        self.depth &-= 1
        return .dict(members)
    }

    /// Map keys must be text strings (possibly tagged or indefinite): WAMP dicts are keyed by strings.
    private mutating func readKey() throws(DecodingError) -> String {
        var initial = try self.cursor.readByte()
        while initial >> 5 == 6 {
            _ = try self.readArgument(initial & 0x1F)
            initial = try self.cursor.readByte()
        }
        guard initial >> 5 == 3 else {
            throw DecodingError(reason: "map key is not a text string", offset: self.cursor.index &- 1)
        }
        return try self.readTextString(initial & 0x1F)
    }

    /// Major type 7: false, true, null, undefined (as null) and floats. Other simple values have
    /// no WAMP meaning and are rejected, as is a break outside an indefinite-length item.
    private mutating func readSimpleOrFloat(_ info: UInt8) throws(DecodingError) -> WAMPValue {
        switch info {
        case 20: return .bool(false)
        case 21: return .bool(true)
        case 22, 23: return .null
        case 25: return .double(Self.halfToDouble(try self.cursor.readBigEndian(UInt16.self)))
        case 26: return .double(Double(Float(bitPattern: try self.cursor.readBigEndian(UInt32.self))))
        case 27: return .double(Double(bitPattern: try self.cursor.readBigEndian(UInt64.self)))
        case Self.indefinite:
            throw DecodingError(reason: "unexpected break", offset: self.cursor.index &- 1)
        default:
            throw DecodingError(reason: "unsupported CBOR simple value", offset: self.cursor.index &- 1)
        }
    }

    /// IEEE 754 binary16 to Double (RFC 8949 Appendix D), exact for every half value.
    static func halfToDouble(_ half: UInt16) -> Double {
        let exponent = Int((half >> 10) & 0x1F)
        let mantissa = Double(half & 0x3FF)
        let magnitude: Double
        switch exponent {
        case 0: magnitude = Double(sign: .plus, exponent: -24, significand: mantissa)
        case 31: magnitude = mantissa == 0 ? .infinity : .nan
        default: magnitude = Double(sign: .plus, exponent: exponent - 25, significand: mantissa + 1024)
        }
        return half & 0x8000 != 0 ? -magnitude : magnitude
    }
}
