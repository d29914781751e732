import NIOCore

/// Incremental, resumable RESP2/RESP3 parser: feed it whatever bytes have arrived, get whole values.
///
/// It consumes bytes as soon as they form a complete line or bulk payload and keeps partly built
/// aggregates on an explicit stack, so a value that arrives one byte at a time is read once, never
/// re-parsed from its start, and a deep or long value cannot recurse or allocate beyond `Limits`.
/// Any error leaves the stream unusable: RESP cannot resynchronize.
public struct RESPParser: Sendable {
    /// Bounds on what one value may cost. Defaults follow Redis' own server limits where it has them.
    public struct Limits: Sendable, Hashable {
        /// The longest bulk string, bulk error or verbatim string (Redis' `proto-max-bulk-len`: 512 MiB).
        public var maxBulkLength: Int
        /// The most elements (or pairs, for maps and attributes) one aggregate may announce.
        public var maxAggregateLength: Int
        /// How deep aggregates may nest; a top-level array of bulk strings has depth 1.
        public var maxDepth: Int
        /// The longest simple string, simple error, number or length line, without its CRLF.
        public var maxLineLength: Int

        public init(
            maxBulkLength: Int = 512 * 1024 * 1024,
            maxAggregateLength: Int = 1 << 24,
            maxDepth: Int = 32,
            maxLineLength: Int = 64 * 1024
        ) {
            self.maxBulkLength = maxBulkLength
            self.maxAggregateLength = maxAggregateLength
            self.maxDepth = maxDepth
            self.maxLineLength = maxLineLength
        }
    }

    public enum ParseResult: Sendable, Hashable {
        /// Everything readable was consumed (or is a prefix kept for later); call again with more bytes.
        case insufficientData
        /// One complete top-level value.
        case result(RESPValue)
    }

    /// An aggregate whose elements are still arriving.
    private struct Frame: Sendable {
        enum Kind: Sendable {
            case array, set, push, map, attribute
            /// The value an attribute (already complete) describes.
            case attributed([RESPPair])
        }

        var kind: Kind
        var remaining: Int
        var elements: [RESPValue]
    }

    /// What one line (with its bulk payload, if any) produced.
    private enum Token {
        case value(RESPValue)
        case open(Frame.Kind, count: Int)
    }

    public let limits: Limits
    private var stack: [Frame] = []
    /// A bulk header already consumed whose payload has not fully arrived: its type byte and length.
    private var pendingBulk: (type: UInt8, length: Int)?
    /// How many bytes of the current line (after its type byte) are known to contain no CR or LF.
    private var scanned = 0

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    public mutating func parseStep(_ buffer: inout ByteBuffer) throws(RESPParsingError) -> ParseResult {
        while true {
            guard let token = try self.readToken(&buffer) else {
                return .insufficientData
            }
            var completed: RESPValue
            switch token {
            case .value(let value):
                completed = value
            case .open(let kind, let count):
                guard self.stack.count < self.limits.maxDepth else {
                    throw RESPParsingError(.tooDeep, "aggregates nested deeper than \(self.limits.maxDepth)")
                }
                if count == 0, let empty = Self.value(of: kind, elements: []) {
                    completed = empty
                } else {
                    var elements: [RESPValue] = []
                    elements.reserveCapacity(Swift.min(count, 64))
                    self.stack.append(Frame(kind: kind, remaining: count, elements: elements))
                    continue
                }
            }
            // Fold the completed value into its enclosing aggregates, closing every one it fills.
            while !self.stack.isEmpty {
                let last = self.stack.count - 1
                self.stack[last].elements.append(completed)
                self.stack[last].remaining -= 1
                if self.stack[last].remaining > 0 {
                    break
                }
                let frame = self.stack.removeLast()
                guard let value = Self.value(of: frame.kind, elements: frame.elements) else {
                    // A complete attribute: what follows it is the value it describes.
                    self.stack.append(Frame(kind: .attributed(Self.pairs(frame.elements)), remaining: 1, elements: []))
                    break
                }
                completed = value
            }
            if self.stack.isEmpty {
                return .result(completed)
            }
        }
    }

    /// The value of a finished aggregate; `nil` for an attribute, which still waits for its value.
    private static func value(of kind: Frame.Kind, elements: [RESPValue]) -> RESPValue? {
        switch kind {
        case .array: return .array(elements)
        case .set: return .set(elements)
        case .push: return .push(elements)
        case .map: return .map(Self.pairs(elements))
        case .attribute: return nil
        case .attributed(let pairs): return .attribute(pairs, elements[0])
        }
    }

    private static func pairs(_ elements: [RESPValue]) -> [RESPPair] {
        var pairs: [RESPPair] = []
        pairs.reserveCapacity(elements.count / 2)
        var index = 0
        while index + 1 < elements.count {
            pairs.append(RESPPair(elements[index], elements[index + 1]))
            index += 2
        }
        return pairs
    }

    // MARK: - Tokens

    private mutating func readToken(_ buffer: inout ByteBuffer) throws(RESPParsingError) -> Token? {
        if let bulk = self.pendingBulk {
            return try self.readBulkPayload(&buffer, type: bulk.type, length: bulk.length)
        }
        guard let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else {
            return nil
        }
        guard RESPType(rawValue: type) != nil else {
            throw RESPParsingError(.invalidTypeByte, "unknown type byte \(Self.describe(byte: type))")
        }
        guard let line = try self.readLine(&buffer) else {
            return nil
        }
        switch RESPType(rawValue: type)! {
        case .simpleString:
            return .value(.simpleString(line))
        case .simpleError:
            return .value(.simpleError(line))
        case .integer:
            return .value(.integer(try Self.parseInteger(line)))
        case .bulkString, .bulkError, .verbatimString:
            guard let length = try Self.parseLength(line, allowsNull: type == RESPType.bulkString.rawValue) else {
                return .value(.bulkString(nil))
            }
            guard length <= self.limits.maxBulkLength else {
                throw RESPParsingError(
                    .bulkTooLong,
                    "bulk of \(length) bytes exceeds the limit of \(self.limits.maxBulkLength)"
                )
            }
            if type == RESPType.verbatimString.rawValue && length < 4 {
                throw RESPParsingError(.invalidVerbatimString, "verbatim string of \(length) bytes has no format")
            }
            self.pendingBulk = (type, length)
            return try self.readBulkPayload(&buffer, type: type, length: length)
        case .array:
            guard let count = try Self.parseLength(line, allowsNull: true) else {
                return .value(.array(nil))
            }
            return .open(.array, count: try self.checkedCount(count))
        case .set:
            return .open(.set, count: try self.checkedCount(try Self.parseLength(line, allowsNull: false)!))
        case .push:
            return .open(.push, count: try self.checkedCount(try Self.parseLength(line, allowsNull: false)!))
        case .map:
            return .open(.map, count: 2 * (try self.checkedCount(try Self.parseLength(line, allowsNull: false)!)))
        case .attribute:
            let count = try self.checkedCount(try Self.parseLength(line, allowsNull: false)!)
            return .open(count == 0 ? .attributed([]) : .attribute, count: count == 0 ? 1 : 2 * count)
        case .null:
            guard line.readableBytes == 0 else {
                throw RESPParsingError(.invalidNull, "null with data \(Self.describe(line))")
            }
            return .value(.null)
        case .boolean:
            switch line.readableBytesView.first {
            case UInt8(ascii: "t") where line.readableBytes == 1: return .value(.boolean(true))
            case UInt8(ascii: "f") where line.readableBytes == 1: return .value(.boolean(false))
            default: throw RESPParsingError(.invalidBoolean, "boolean \(Self.describe(line))")
            }
        case .double:
            return .value(.double(try Self.parseDouble(line)))
        case .bigNumber:
            return .value(.bigNumber(try Self.parseBigNumber(line)))
        }
    }

    private func checkedCount(_ count: Int) throws(RESPParsingError) -> Int {
        guard count <= self.limits.maxAggregateLength else {
            throw RESPParsingError(
                .aggregateTooLong,
                "aggregate of \(count) elements exceeds the limit of \(self.limits.maxAggregateLength)"
            )
        }
        return count
    }

    /// Consumes the type byte, the line after it and its CRLF once the CRLF has arrived; returns the line.
    private mutating func readLine(_ buffer: inout ByteBuffer) throws(RESPParsingError) -> ByteBuffer? {
        let start = buffer.readerIndex + 1
        let maxLineLength = self.limits.maxLineLength
        var scanned = self.scanned
        // Typed errors cannot cross `withUnsafeBytes` (it rethrows untyped), so the scan returns one.
        let outcome = buffer.readableBytesView.withUnsafeBytes { bytes -> Result<Int?, RESPParsingError> in
            var index = 1 + scanned
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\r"):
                    guard index + 1 < bytes.count else {
                        return .success(nil)
                    }
                    guard bytes[index + 1] == UInt8(ascii: "\n") else {
                        return .failure(
                            RESPParsingError(.missingCRLF, "CR not followed by LF at line offset \(index - 1)")
                        )
                    }
                    return .success(index - 1)
                case UInt8(ascii: "\n"):
                    return .failure(RESPParsingError(.missingCRLF, "LF without CR at line offset \(index - 1)"))
                default:
                    guard index <= maxLineLength else {
                        return .failure(RESPParsingError(.lineTooLong, "line longer than \(maxLineLength) bytes"))
                    }
                    index += 1
                    scanned += 1
                }
            }
            return .success(nil)
        }
        self.scanned = scanned
        guard case .success(let found) = outcome else {
            if case .failure(let error) = outcome { throw error }
            return nil
        }
        guard let length = found else {
            return nil
        }
        let line = buffer.getSlice(at: start, length: length)!
        buffer.moveReaderIndex(forwardBy: 1 + length + 2)
        self.scanned = 0
        return line
    }

    private mutating func readBulkPayload(
        _ buffer: inout ByteBuffer,
        type: UInt8,
        length: Int
    ) throws(RESPParsingError) -> Token? {
        guard buffer.readableBytes >= length + 2 else {
            return nil
        }
        let terminator = buffer.readerIndex + length
        guard buffer.getInteger(at: terminator, as: UInt16.self) == 0x0D0A else {
            throw RESPParsingError(.missingCRLF, "bulk payload of \(length) bytes not followed by CRLF")
        }
        var payload = buffer.readSlice(length: length)!
        buffer.moveReaderIndex(forwardBy: 2)
        self.pendingBulk = nil
        switch type {
        case RESPType.bulkError.rawValue:
            return .value(.bulkError(payload))
        case RESPType.verbatimString.rawValue:
            let format = payload.readSlice(length: 3)!
            guard payload.readInteger(as: UInt8.self) == UInt8(ascii: ":"),
                format.readableBytesView.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
            else {
                throw RESPParsingError(.invalidVerbatimString, "verbatim string without a `fmt:` prefix")
            }
            return .value(.verbatimString(format: String(buffer: format), payload))
        default:
            return .value(.bulkString(payload))
        }
    }

    // MARK: - Numbers

    /// An optional sign and at least one decimal digit, within `Int64`.
    static func parseInteger(_ line: ByteBuffer) throws(RESPParsingError) -> Int64 {
        let bytes = line.readableBytesView
        var index = bytes.startIndex
        var negative = false
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        guard index < bytes.endIndex else {
            throw RESPParsingError(.invalidInteger, "integer \(Self.describe(line)) has no digits")
        }
        // Accumulated on the negative side so `Int64.min` parses.
        var value: Int64 = 0
        while index < bytes.endIndex {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else {
                throw RESPParsingError(.invalidInteger, "integer \(Self.describe(line)) is not decimal")
            }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = shifted.subtractingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow1 && !overflow2 else {
                throw RESPParsingError(.invalidInteger, "integer \(Self.describe(line)) overflows 64 bits")
            }
            value = next
            index += 1
        }
        if negative {
            return value
        }
        guard value != Int64.min else {
            throw RESPParsingError(.invalidInteger, "integer \(Self.describe(line)) overflows 64 bits")
        }
        return -value
    }

    /// A length or count: decimal digits, or `-1` (null) where RESP2 allows it. `nil` means null.
    static func parseLength(_ line: ByteBuffer, allowsNull: Bool) throws(RESPParsingError) -> Int? {
        let bytes = line.readableBytesView
        if allowsNull && bytes.elementsEqual([UInt8(ascii: "-"), UInt8(ascii: "1")]) {
            return nil
        }
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw RESPParsingError(.invalidLength, "length \(Self.describe(line)) is not a non-negative integer")
        }
        guard bytes.count <= 18 else {
            throw RESPParsingError(.invalidLength, "length \(Self.describe(line)) is too large")
        }
        var value = 0
        for byte in bytes {
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    static func parseDouble(_ line: ByteBuffer) throws(RESPParsingError) -> Double {
        let text = String(buffer: line)
        switch text {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan", "-nan": return .nan
        default: break
        }
        let allowed = line.readableBytesView.allSatisfy { byte in
            (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e")
                || byte == UInt8(ascii: "E")
        }
        guard allowed, let value = Double(text), value.isFinite else {
            throw RESPParsingError(.invalidDouble, "double \(Self.describe(line))")
        }
        return value
    }

    static func parseBigNumber(_ line: ByteBuffer) throws(RESPParsingError) -> String {
        var digits = line.readableBytesView[...]
        if let first = digits.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw RESPParsingError(.invalidBigNumber, "big number \(Self.describe(line))")
        }
        return String(buffer: line)
    }

    // MARK: - Error details

    /// The first bytes of `line`, printable, for error details.
    static func describe(_ line: ByteBuffer) -> String {
        var text = "\""
        for byte in line.readableBytesView.prefix(32) {
            text +=
                (byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\""))
                ? String(UnicodeScalar(byte)) : "\\x\(Self.hex(byte))"
        }
        return text + (line.readableBytes > 32 ? "…\"" : "\"")
    }

    static func describe(byte: UInt8) -> String {
        "0x\(Self.hex(byte))"
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
