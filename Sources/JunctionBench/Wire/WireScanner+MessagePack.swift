extension WireScanner {
    mutating func msgpackEnterList() throws(ScanError) -> Int {
        let head = try self.byte()
        switch head {
        case 0x90...0x9F: return Int(head & 0x0F)
        case 0xDC: return Int(try self.bigEndian(2))
        case 0xDD: return Int(try self.bigEndian(4))
        default: throw self.error("expected a list")
        }
    }

    mutating func msgpackUInt() throws(ScanError) -> UInt64 {
        let head = try self.byte()
        switch head {
        case 0x00...0x7F: return UInt64(head)
        case 0xCC: return try self.bigEndian(1)
        case 0xCD: return try self.bigEndian(2)
        case 0xCE: return try self.bigEndian(4)
        case 0xCF: return try self.bigEndian(8)
        case 0xD0, 0xD1, 0xD2, 0xD3:
            // Signed encodings of non-negative values (some encoders prefer them).
            let width = 1 << Int(head - 0xD0)
            let raw = try self.bigEndian(width)
            let shift = UInt64(64 - width * 8)
            let signed = Int64(bitPattern: raw << shift) >> Int64(shift)
            guard signed >= 0 else { throw self.error("negative integer") }
            return UInt64(signed)
        case 0xCB:
            let value = Double(bitPattern: try self.bigEndian(8))
            guard value >= 0, value < 1.8e19, value.rounded(.towardZero) == value else {
                throw self.error("expected an unsigned integer")
            }
            return UInt64(value)
        default:
            throw self.error("expected an unsigned integer")
        }
    }

    mutating func msgpackSkip() throws(ScanError) {
        var remaining = 1
        while remaining > 0 {
            remaining -= 1
            let head = try self.byte()
            switch head {
            case 0x00...0x7F, 0xE0...0xFF, 0xC0, 0xC2, 0xC3:
                break
            case 0x80...0x8F: remaining += 2 * Int(head & 0x0F)
            case 0x90...0x9F: remaining += Int(head & 0x0F)
            case 0xA0...0xBF: try self.advance(UInt64(head & 0x1F))
            case 0xC4, 0xD9: try self.advance(try self.bigEndian(1))
            case 0xC5, 0xDA: try self.advance(try self.bigEndian(2))
            case 0xC6, 0xDB: try self.advance(try self.bigEndian(4))
            case 0xC7: try self.advance(try self.bigEndian(1) + 1)
            case 0xC8: try self.advance(try self.bigEndian(2) + 1)
            case 0xC9: try self.advance(try self.bigEndian(4) + 1)
            case 0xCA: try self.advance(4)
            case 0xCB: try self.advance(8)
            case 0xCC, 0xD0: try self.advance(1)
            case 0xCD, 0xD1: try self.advance(2)
            case 0xCE, 0xD2: try self.advance(4)
            case 0xCF, 0xD3: try self.advance(8)
            case 0xD4: try self.advance(2)
            case 0xD5: try self.advance(3)
            case 0xD6: try self.advance(5)
            case 0xD7: try self.advance(9)
            case 0xD8: try self.advance(17)
            case 0xDC: remaining += Int(try self.bigEndian(2))
            case 0xDD: remaining += Int(try self.bigEndian(4))
            case 0xDE: remaining += 2 * Int(try self.bigEndian(2))
            case 0xDF: remaining += 2 * Int(try self.bigEndian(4))
            default: throw self.error("invalid MessagePack byte")
            }
        }
    }

    /// Reads a string header; returns the range of its bytes and moves past them.
    private mutating func msgpackStringRange() throws(ScanError) -> Range<Int> {
        let head = try self.byte()
        let length: UInt64
        switch head {
        case 0xA0...0xBF: length = UInt64(head & 0x1F)
        case 0xD9: length = try self.bigEndian(1)
        case 0xDA: length = try self.bigEndian(2)
        case 0xDB: length = try self.bigEndian(4)
        default: throw self.error("expected a string")
        }
        let start = self.position
        try self.advance(length)
        return start..<self.position
    }

    mutating func msgpackString() throws(ScanError) -> String {
        let range = try self.msgpackStringRange()
        return self.text(at: range.lowerBound, length: range.count)
    }

    mutating func msgpackDictHasTrue(_ key: String) throws(ScanError) -> Bool {
        let head = try self.byte()
        let count: Int
        switch head {
        case 0x80...0x8F: count = Int(head & 0x0F)
        case 0xDE: count = Int(try self.bigEndian(2))
        case 0xDF: count = Int(try self.bigEndian(4))
        default: throw self.error("expected a dict")
        }
        var found = false
        for _ in 0..<count {
            let name = try self.msgpackStringRange()
            if self.matches(key, at: name.lowerBound, length: name.count) {
                found = try self.peek() == 0xC3
            }
            try self.msgpackSkip()
        }
        return found
    }
}
