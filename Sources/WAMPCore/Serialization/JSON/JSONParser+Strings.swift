extension JSONParser {
    /// Where the content of the string just parsed lives.
    enum StringContent {
        /// No escapes: the content is `bytes[start..<end]` of the input.
        case raw(start: Int, end: Int)
        /// Had escapes: the unescaped content is in `scratch`.
        case unescaped
    }

    /// Parses a string in value position; a leading U+0000 marks WAMP binary (Base64 follows).
    mutating func parseStringValue() throws(DecodingError) -> WAMPValue {
        let start = self.index
        switch try self.scanString() {
        case .raw(let from, let to):
            // A raw string cannot start with U+0000: bare control characters are rejected.
            return .string(try self.makeString(UnsafeBufferPointer(rebasing: self.bytes[from..<to]), at: start))
        case .unescaped:
            if self.scratch.first == 0 {
                let decoded = self.scratch.withUnsafeBufferPointer { buffer in
                    Base64.decode(UnsafeBufferPointer(rebasing: buffer[1...]))
                }
                guard let decoded else {
                    throw DecodingError(reason: "binary string is not valid Base64", offset: start)
                }
                return .binary(decoded)
            }
            return .string(try self.makeScratchString(at: start))
        }
    }

    /// Parses an object key; keys are always strings, even when they start with U+0000.
    mutating func parseKey() throws(DecodingError) -> String {
        let start = self.index
        switch try self.scanString() {
        case .raw(let from, let to):
            return try self.makeString(UnsafeBufferPointer(rebasing: self.bytes[from..<to]), at: start)
        case .unescaped:
            return try self.makeScratchString(at: start)
        }
    }

    private func makeString(_ content: UnsafeBufferPointer<UInt8>, at start: Int) throws(DecodingError) -> String {
        guard let string = makeValidatedString(content) else {
            throw DecodingError(reason: "string is not valid UTF-8", offset: start)
        }
        return string
    }

    private func makeScratchString(at start: Int) throws(DecodingError) -> String {
        let string = self.scratch.withUnsafeBufferPointer { makeValidatedString($0) }
        guard let string else { throw DecodingError(reason: "string is not valid UTF-8", offset: start) }
        return string
    }

    /// Scans a string starting at its opening quote and leaves the index after the closing one.
    /// UTF-8 validity is checked by the caller when it builds the `String`; unescaping produces
    /// only complete sequences, so validating the concatenation is equivalent to validating the runs.
    private mutating func scanString() throws(DecodingError) -> StringContent {
        self.index &+= 1  // opening quote
        let start = self.index
        let count = self.bytes.count
        while self.index < count {
            let byte = self.bytes[self.index]
            if byte == UInt8(ascii: "\"") {
                self.index &+= 1
                return .raw(start: start, end: self.index &- 1)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw self.error("unescaped control character in string") }
            self.index &+= 1
        }
        guard self.index < count else { throw self.error("unterminated string") }

        self.scratch.removeAll(keepingCapacity: true)
        self.scratch.append(contentsOf: UnsafeBufferPointer(rebasing: self.bytes[start..<self.index]))
        while self.index < count {
            let byte = self.bytes[self.index]
            if byte == UInt8(ascii: "\"") {
                self.index &+= 1
                return .unescaped
            }
            if byte == UInt8(ascii: "\\") {
                try self.parseEscape()
                continue
            }
            if byte < 0x20 { throw self.error("unescaped control character in string") }
            let runStart = self.index
            self.index &+= 1
            while self.index < count {
                let next = self.bytes[self.index]
                if next == UInt8(ascii: "\"") || next == UInt8(ascii: "\\") || next < 0x20 { break }
                self.index &+= 1
            }
            self.scratch.append(contentsOf: UnsafeBufferPointer(rebasing: self.bytes[runStart..<self.index]))
        }
        throw self.error("unterminated string")
    }

    /// Decodes one escape sequence at the backslash and appends its UTF-8 to `scratch`.
    private mutating func parseEscape() throws(DecodingError) {
        self.index &+= 1  // backslash
        guard self.index < self.bytes.count else { throw self.error("unterminated escape") }
        let byte = self.bytes[self.index]
        self.index &+= 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): self.scratch.append(byte)
        case UInt8(ascii: "b"): self.scratch.append(0x08)
        case UInt8(ascii: "f"): self.scratch.append(0x0C)
        case UInt8(ascii: "n"): self.scratch.append(0x0A)
        case UInt8(ascii: "r"): self.scratch.append(0x0D)
        case UInt8(ascii: "t"): self.scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try self.parseHex4()
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                guard self.bytes.count &- self.index >= 6, self.bytes[self.index] == UInt8(ascii: "\\"),
                    self.bytes[self.index &+ 1] == UInt8(ascii: "u")
                else { throw self.error("high surrogate not followed by a low surrogate") }
                self.index &+= 2
                let low = try self.parseHex4()
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw self.error("high surrogate not followed by a low surrogate")
                }
                scalar = 0x10000 &+ ((scalar &- 0xD800) << 10) &+ (low &- 0xDC00)
            } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                throw self.error("lone low surrogate")
            }
            self.appendUTF8(scalar: scalar)
        default:
            throw self.error("invalid escape character")
        }
    }

    private mutating func parseHex4() throws(DecodingError) -> UInt32 {
        guard self.bytes.count &- self.index >= 4 else { throw self.error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = self.bytes[self.index]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c &- UInt8(ascii: "A") &+ 10
            default: throw self.error("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            self.index &+= 1
        }
        return value
    }

    private mutating func appendUTF8(scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            self.scratch.append(UInt8(truncatingIfNeeded: scalar))
        case 0x80..<0x800:
            self.scratch.append(UInt8(truncatingIfNeeded: 0xC0 | (scalar >> 6)))
            self.scratch.append(UInt8(truncatingIfNeeded: 0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            self.scratch.append(UInt8(truncatingIfNeeded: 0xE0 | (scalar >> 12)))
            self.scratch.append(UInt8(truncatingIfNeeded: 0x80 | ((scalar >> 6) & 0x3F)))
            self.scratch.append(UInt8(truncatingIfNeeded: 0x80 | (scalar & 0x3F)))
        default:
            self.scratch.append(UInt8(truncatingIfNeeded: 0xF0 | (scalar >> 18)))
            self.scratch.append(UInt8(truncatingIfNeeded: 0x80 | ((scalar >> 12) & 0x3F)))
            self.scratch.append(UInt8(truncatingIfNeeded: 0x80 | ((scalar >> 6) & 0x3F)))
            self.scratch.append(UInt8(truncatingIfNeeded: 0x80 | (scalar & 0x3F)))
        }
    }
}
