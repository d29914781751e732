/// Decodes MessagePack from untrusted bytes, checking every declared length against the bytes
/// actually present before reading or allocating.
struct MessagePackReader {
    var cursor: ByteCursor
    var depth: Int = 0

    init(_ raw: UnsafeRawBufferPointer) {
        self.cursor = ByteCursor(raw)
    }

    mutating func readValue() throws(DecodingError) -> WAMPValue {
        let format = try self.cursor.readByte()
        switch format {
        case 0x00...0x7F:
            return .int(Int64(format))
        case 0x80...0x8F:
            return try self.readMap(count: UInt64(format & 0x0F))
        case 0x90...0x9F:
            return try self.readArray(count: UInt64(format & 0x0F))
        case 0xA0...0xBF:
            return .string(try self.cursor.readString(count: UInt64(format & 0x1F)))
        case 0xC0:
            return .null
        case 0xC2:
            return .bool(false)
        case 0xC3:
            return .bool(true)
        case 0xC4:
            return .binary(try self.cursor.readBytes(count: UInt64(try self.cursor.readByte())))
        case 0xC5:
            return .binary(try self.cursor.readBytes(count: UInt64(try self.cursor.readBigEndian(UInt16.self))))
        case 0xC6:
            return .binary(try self.cursor.readBytes(count: UInt64(try self.cursor.readBigEndian(UInt32.self))))
        case 0xCA:
            return .double(Double(Float(bitPattern: try self.cursor.readBigEndian(UInt32.self))))
        case 0xCB:
            return .double(Double(bitPattern: try self.cursor.readBigEndian(UInt64.self)))
        case 0xCC:
            return .int(Int64(try self.cursor.readByte()))
        case 0xCD:
            return .int(Int64(try self.cursor.readBigEndian(UInt16.self)))
        case 0xCE:
            return .int(Int64(try self.cursor.readBigEndian(UInt32.self)))
        case 0xCF:
            return .decodedUnsigned(try self.cursor.readBigEndian(UInt64.self))
        case 0xD0:
            return .int(Int64(Int8(bitPattern: try self.cursor.readByte())))
        case 0xD1:
            return .int(Int64(Int16(bitPattern: try self.cursor.readBigEndian(UInt16.self))))
        case 0xD2:
            return .int(Int64(Int32(bitPattern: try self.cursor.readBigEndian(UInt32.self))))
        case 0xD3:
            return .int(Int64(bitPattern: try self.cursor.readBigEndian(UInt64.self)))
        case 0xD9:
            return .string(try self.cursor.readString(count: UInt64(try self.cursor.readByte())))
        case 0xDA:
            return .string(try self.cursor.readString(count: UInt64(try self.cursor.readBigEndian(UInt16.self))))
        case 0xDB:
            return .string(try self.cursor.readString(count: UInt64(try self.cursor.readBigEndian(UInt32.self))))
        case 0xDC:
            return try self.readArray(count: UInt64(try self.cursor.readBigEndian(UInt16.self)))
        case 0xDD:
            return try self.readArray(count: UInt64(try self.cursor.readBigEndian(UInt32.self)))
        case 0xDE:
            return try self.readMap(count: UInt64(try self.cursor.readBigEndian(UInt16.self)))
        case 0xDF:
            return try self.readMap(count: UInt64(try self.cursor.readBigEndian(UInt32.self)))
        case 0xE0...0xFF:
            return .int(Int64(Int8(bitPattern: format)))
        case 0xC7, 0xC8, 0xC9, 0xD4...0xD8:
            throw DecodingError(reason: "MessagePack extension types are not supported", offset: self.cursor.index &- 1)
        default:  // 0xC1
            throw DecodingError(reason: "invalid MessagePack format byte", offset: self.cursor.index &- 1)
        }
    }

    private mutating func enterContainer() throws(DecodingError) {
        self.depth &+= 1
        guard self.depth <= maximumNestingDepth else {
            throw self.cursor.error("nesting deeper than \(maximumNestingDepth)")
        }
    }

    private mutating func readArray(count: UInt64) throws(DecodingError) -> WAMPValue {
        // Every element takes at least one byte.
        guard count <= UInt64(self.cursor.remaining) else {
            throw self.cursor.error("array length \(count) exceeds the remaining bytes")
        }
        try self.enterContainer()
        var elements: [WAMPValue] = []
        elements.reserveCapacity(Int(count))
        for _ in 0..<count {
            elements.append(try self.readValue())
        }
        self.depth &-= 1
        return .list(elements)
    }

    private mutating func readMap(count: UInt64) throws(DecodingError) -> WAMPValue {
        // Every entry takes at least two bytes (key and value).
        guard count <= UInt64(self.cursor.remaining / 2) else {
            throw self.cursor.error("map length \(count) exceeds the remaining bytes")
        }
        try self.enterContainer()
        var members: [String: WAMPValue] = [:]
        for _ in 0..<count {
            let key = try self.readKey()
            members[key] = try self.readValue()
        }
        self.depth &-= 1
        return .dict(members)
    }

    /// Map keys must be strings: WAMP dicts are keyed by strings.
    private mutating func readKey() throws(DecodingError) -> String {
        let format = try self.cursor.readByte()
        switch format {
        case 0xA0...0xBF:
            return try self.cursor.readString(count: UInt64(format & 0x1F))
        case 0xD9:
            return try self.cursor.readString(count: UInt64(try self.cursor.readByte()))
        case 0xDA:
            return try self.cursor.readString(count: UInt64(try self.cursor.readBigEndian(UInt16.self)))
        case 0xDB:
            return try self.cursor.readString(count: UInt64(try self.cursor.readBigEndian(UInt32.self)))
        default:
            throw DecodingError(reason: "map key is not a string", offset: self.cursor.index &- 1)
        }
    }
}
