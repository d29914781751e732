import NIOCore

extension ByteBuffer {
    /// Writes `command` as an array of bulk strings, the only form Redis accepts from clients.
    @discardableResult
    public mutating func writeRESPCommand(_ command: RESPCommand) -> Int {
        let start = self.writerIndex
        self.writeRESPHeader(RESPType.array, command.arguments.count)
        for argument in command.arguments {
            self.writeRESPHeader(RESPType.bulkString, argument.readableBytes)
            self.writeImmutableBuffer(argument)
            self.writeRESPCRLF()
        }
        return self.writerIndex - start
    }

    /// Writes `value` in RESP3 (RESP2 values are the subset without the RESP3 types). On error
    /// nothing is written.
    @discardableResult
    public mutating func writeRESPValue(_ value: RESPValue) throws(RESPEncodingError) -> Int {
        let start = self.writerIndex
        do {
            try self.writeRESPValueUnchecked(value)
        } catch {
            self.moveWriterIndex(to: start)
            throw error
        }
        return self.writerIndex - start
    }

    private mutating func writeRESPValueUnchecked(_ value: RESPValue) throws(RESPEncodingError) {
        switch value {
        case .simpleString(let bytes):
            try self.writeRESPLine(RESPType.simpleString, bytes)
        case .simpleError(let bytes):
            try self.writeRESPLine(RESPType.simpleError, bytes)
        case .integer(let integer):
            self.writeInteger(RESPType.integer.rawValue)
            self.writeRESPDecimal(integer)
            self.writeRESPCRLF()
        case .bulkString(nil):
            self.writeStaticString("$-1\r\n")
        case .bulkString(.some(let bytes)):
            self.writeRESPBulk(RESPType.bulkString, bytes)
        case .array(nil):
            self.writeStaticString("*-1\r\n")
        case .array(.some(let elements)):
            self.writeRESPHeader(RESPType.array, elements.count)
            for element in elements { try self.writeRESPValueUnchecked(element) }
        case .null:
            self.writeStaticString("_\r\n")
        case .boolean(let flag):
            self.writeStaticString(flag ? "#t\r\n" : "#f\r\n")
        case .double(let double):
            self.writeInteger(RESPType.double.rawValue)
            if double.isNaN {
                self.writeStaticString("nan")
            } else if double.isInfinite {
                self.writeStaticString(double < 0 ? "-inf" : "inf")
            } else {
                self.writeString("\(double)")
            }
            self.writeRESPCRLF()
        case .bigNumber(let digits):
            do {
                _ = try RESPParser.parseBigNumber(ByteBuffer(string: digits))
            } catch {
                throw RESPEncodingError("big number \(digits.debugDescription) is not an optional sign and digits")
            }
            self.writeInteger(RESPType.bigNumber.rawValue)
            self.writeString(digits)
            self.writeRESPCRLF()
        case .bulkError(let bytes):
            self.writeRESPBulk(RESPType.bulkError, bytes)
        case .verbatimString(let format, let bytes):
            let formatBytes = Array(format.utf8)
            guard formatBytes.count == 3, formatBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw RESPEncodingError(
                    "verbatim format \(format.debugDescription) is not three printable ASCII characters"
                )
            }
            self.writeRESPHeader(RESPType.verbatimString, bytes.readableBytes + 4)
            self.writeBytes(formatBytes)
            self.writeInteger(UInt8(ascii: ":"))
            self.writeImmutableBuffer(bytes)
            self.writeRESPCRLF()
        case .map(let pairs):
            self.writeRESPHeader(RESPType.map, pairs.count)
            try self.writeRESPPairs(pairs)
        case .set(let elements):
            self.writeRESPHeader(RESPType.set, elements.count)
            for element in elements { try self.writeRESPValueUnchecked(element) }
        case .attribute(let pairs, let described):
            self.writeRESPHeader(RESPType.attribute, pairs.count)
            try self.writeRESPPairs(pairs)
            try self.writeRESPValueUnchecked(described)
        case .push(let elements):
            self.writeRESPHeader(RESPType.push, elements.count)
            for element in elements { try self.writeRESPValueUnchecked(element) }
        }
    }

    private mutating func writeRESPPairs(_ pairs: [RESPPair]) throws(RESPEncodingError) {
        for pair in pairs {
            try self.writeRESPValueUnchecked(pair.key)
            try self.writeRESPValueUnchecked(pair.value)
        }
    }

    private mutating func writeRESPLine(_ type: RESPType, _ bytes: ByteBuffer) throws(RESPEncodingError) {
        guard !bytes.readableBytesView.contains(where: { $0 == 0x0D || $0 == 0x0A }) else {
            throw RESPEncodingError("a simple string or error cannot contain CR or LF")
        }
        self.writeInteger(type.rawValue)
        self.writeImmutableBuffer(bytes)
        self.writeRESPCRLF()
    }

    private mutating func writeRESPBulk(_ type: RESPType, _ bytes: ByteBuffer) {
        self.writeRESPHeader(type, bytes.readableBytes)
        self.writeImmutableBuffer(bytes)
        self.writeRESPCRLF()
    }

    private mutating func writeRESPHeader(_ type: RESPType, _ count: Int) {
        self.writeInteger(type.rawValue)
        self.writeRESPDecimal(Int64(count))
        self.writeRESPCRLF()
    }

    private mutating func writeRESPCRLF() {
        self.writeInteger(UInt16(0x0D0A))
    }

    /// Decimal digits without going through `String`.
    private mutating func writeRESPDecimal(_ value: Int64) {
        if value < 0 {
            self.writeInteger(UInt8(ascii: "-"))
        }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[31 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            self.writeBytes(UnsafeRawBufferPointer(rebasing: raw[(32 - count)...]))
        }
    }
}
