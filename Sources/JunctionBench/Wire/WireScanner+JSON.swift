extension WireScanner {
    /// Skips whitespace and at most one `,` (with the whitespace after it): the gap before a list
    /// element or dict member.
    @inline(__always)
    private mutating func jsonSkipGap() {
        var sawComma = false
        while self.position < self.bytes.count {
            switch self.bytes[self.position] {
            case 0x20, 0x09, 0x0A, 0x0D:
                self.position += 1
            case UInt8(ascii: ","):
                if sawComma { return }
                sawComma = true
                self.position += 1
            default:
                return
            }
        }
    }

    mutating func jsonEnterList() throws(ScanError) {
        self.jsonSkipGap()
        guard try self.byte() == UInt8(ascii: "[") else { throw self.error("expected a list") }
    }

    mutating func jsonUInt() throws(ScanError) -> UInt64 {
        self.jsonSkipGap()
        var value: UInt64 = 0
        var digits = 0
        while self.position < self.bytes.count {
            let byte = self.bytes[self.position]
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { break }
            value = value &* 10 &+ UInt64(byte &- UInt8(ascii: "0"))
            digits += 1
            self.position += 1
        }
        guard digits > 0 else { throw self.error("expected an unsigned integer") }
        // An integral float ("1.0", "1e0") is the same id; skip the rest of the number.
        while self.position < self.bytes.count {
            switch self.bytes[self.position] {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                self.position += 1
            default:
                return value
            }
        }
        return value
    }

    mutating func jsonSkip() throws(ScanError) {
        self.jsonSkipGap()
        let first = try self.peek()
        switch first {
        case UInt8(ascii: "\""):
            try self.jsonSkipString()
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            try self.jsonSkipContainer()
        default:
            // number, true, false, null: up to the next delimiter.
            while self.position < self.bytes.count {
                switch self.bytes[self.position] {
                case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: ":"), 0x20, 0x09, 0x0A, 0x0D:
                    return
                default:
                    self.position += 1
                }
            }
        }
    }

    /// Skips a string starting at its opening quote; returns the range of its raw contents.
    @discardableResult
    private mutating func jsonSkipString() throws(ScanError) -> Range<Int> {
        guard try self.byte() == UInt8(ascii: "\"") else { throw self.error("expected a string") }
        let start = self.position
        while self.position < self.bytes.count {
            let byte = self.bytes[self.position]
            if byte == UInt8(ascii: "\\") {
                self.position += 2
            } else if byte == UInt8(ascii: "\"") {
                let range = start..<self.position
                self.position += 1
                return range
            } else {
                self.position += 1
            }
        }
        throw self.error("unterminated string")
    }

    private mutating func jsonSkipContainer() throws(ScanError) {
        var depth = 0
        while self.position < self.bytes.count {
            let byte = self.bytes[self.position]
            switch byte {
            case UInt8(ascii: "\""):
                try self.jsonSkipString()
                continue
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 {
                    self.position += 1
                    return
                }
            default:
                break
            }
            self.position += 1
        }
        throw self.error("unterminated container")
    }

    mutating func jsonString() throws(ScanError) -> String {
        self.jsonSkipGap()
        let range = try self.jsonSkipString()
        return self.text(at: range.lowerBound, length: range.count)
    }

    mutating func jsonDictHasTrue(_ key: String) throws(ScanError) -> Bool {
        self.jsonSkipGap()
        guard try self.byte() == UInt8(ascii: "{") else { throw self.error("expected a dict") }
        var found = false
        while true {
            self.jsonSkipGap()
            if try self.peek() == UInt8(ascii: "}") {
                self.position += 1
                return found
            }
            let name = try self.jsonSkipString()
            self.jsonSkipGap()
            guard try self.byte() == UInt8(ascii: ":") else { throw self.error("expected ':'") }
            self.jsonSkipGap()
            let valueStart = self.position
            try self.jsonSkip()
            if self.matches(key, at: name.lowerBound, length: name.count) {
                found = self.matches("true", at: valueStart, length: self.position - valueStart)
            }
        }
    }
}
