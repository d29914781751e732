extension WireScanner {
    /// Reads the argument of an initial byte (additional info `info`); nil for indefinite length.
    @inline(__always)
    private mutating func cborArgument(_ info: UInt8) throws(ScanError) -> UInt64? {
        switch info {
        case 0..<24: return UInt64(info)
        case 24: return try self.bigEndian(1)
        case 25: return try self.bigEndian(2)
        case 26: return try self.bigEndian(4)
        case 27: return try self.bigEndian(8)
        case 31: return nil
        default: throw self.error("invalid CBOR additional info")
        }
    }

    mutating func cborEnterList() throws(ScanError) -> Int? {
        let head = try self.byte()
        guard head >> 5 == 4 else { throw self.error("expected a list") }
        return try self.cborArgument(head & 0x1F).map { Int($0) }
    }

    mutating func cborUInt() throws(ScanError) -> UInt64 {
        var head = try self.byte()
        while head >> 5 == 6 {  // a tag in front of a number: skip the tag
            _ = try self.cborArgument(head & 0x1F)
            head = try self.byte()
        }
        switch head >> 5 {
        case 0:
            guard let value = try self.cborArgument(head & 0x1F) else { throw self.error("invalid integer") }
            return value
        case 7 where head == 0xFB:
            let value = Double(bitPattern: try self.bigEndian(8))
            guard value >= 0, value < 1.8e19, value.rounded(.towardZero) == value else {
                throw self.error("expected an unsigned integer")
            }
            return UInt64(value)
        default:
            throw self.error("expected an unsigned integer")
        }
    }

    mutating func cborSkip() throws(ScanError) {
        try self.cborSkipItem(depth: 0)
    }

    private mutating func cborSkipItem(depth: Int) throws(ScanError) {
        guard depth < 128 else { throw self.error("nested too deeply") }
        let head = try self.byte()
        let argument = try self.cborArgument(head & 0x1F)
        switch head >> 5 {
        case 0, 1:
            break
        case 2, 3:
            if let length = argument { try self.advance(length) } else { try self.cborSkipUntilBreak(depth: depth) }
        case 4:
            if let count = argument {
                for _ in 0..<count { try self.cborSkipItem(depth: depth + 1) }
            } else {
                try self.cborSkipUntilBreak(depth: depth)
            }
        case 5:
            if let count = argument {
                for _ in 0..<(count * 2) { try self.cborSkipItem(depth: depth + 1) }
            } else {
                try self.cborSkipUntilBreak(depth: depth)
            }
        case 6:
            try self.cborSkipItem(depth: depth + 1)
        default:
            break  // simple values and floats: their argument already covered their bytes
        }
    }

    /// Skips the items of an indefinite-length container, and its break byte (0xFF).
    private mutating func cborSkipUntilBreak(depth: Int) throws(ScanError) {
        while try self.peek() != 0xFF {
            try self.cborSkipItem(depth: depth + 1)
        }
        self.position += 1
    }

    private mutating func cborStringRange() throws(ScanError) -> Range<Int> {
        let head = try self.byte()
        guard head >> 5 == 3, let length = try self.cborArgument(head & 0x1F) else {
            throw self.error("expected a definite-length string")
        }
        let start = self.position
        try self.advance(length)
        return start..<self.position
    }

    mutating func cborString() throws(ScanError) -> String {
        let range = try self.cborStringRange()
        return self.text(at: range.lowerBound, length: range.count)
    }

    mutating func cborDictHasTrue(_ key: String) throws(ScanError) -> Bool {
        let head = try self.byte()
        guard head >> 5 == 5 else { throw self.error("expected a dict") }
        let count = try self.cborArgument(head & 0x1F)
        var found = false
        var index: UInt64 = 0
        while true {
            if let count {
                if index == count { return found }
            } else if try self.peek() == 0xFF {
                self.position += 1
                return found
            }
            let name = try self.cborStringRange()
            if self.matches(key, at: name.lowerBound, length: name.count) {
                found = try self.peek() == 0xF5
            }
            try self.cborSkip()
            index += 1
        }
    }
}
