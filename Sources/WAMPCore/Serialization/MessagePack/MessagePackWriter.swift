/// Encodes `WAMPValue`s as MessagePack using the smallest format for each integer, string,
/// binary and container length.
enum MessagePackWriter {
    static func write(_ value: WAMPValue, into buffer: inout [UInt8]) {
        switch value {
        case .null:
            buffer.append(0xC0)
        case .bool(let flag):
            buffer.append(flag ? 0xC3 : 0xC2)
        case .int(let number):
            if number >= 0 {
                self.writeUnsigned(UInt64(number), into: &buffer)
            } else {
                self.writeNegative(number, into: &buffer)
            }
        case .uint(let number):
            self.writeUnsigned(number, into: &buffer)
        case .double(let number):
            buffer.append(0xCB)
            buffer.appendBigEndian(number.bitPattern)
        case .string(let string):
            var string = string
            string.withUTF8 { utf8 in
                self.writeHeader(count: utf8.count, fix: 0xA0, fixLimit: 32, formats: (0xD9, 0xDA, 0xDB), into: &buffer)
                buffer.append(contentsOf: utf8)
            }
        case .binary(let bytes):
            self.writeHeader(count: bytes.count, fix: nil, fixLimit: 0, formats: (0xC4, 0xC5, 0xC6), into: &buffer)
            buffer.append(contentsOf: bytes)
        case .list(let elements):
            self.writeHeader(count: elements.count, fix: 0x90, fixLimit: 16, formats: (nil, 0xDC, 0xDD), into: &buffer)
            for element in elements {
                self.write(element, into: &buffer)
            }
        case .dict(let members):
            self.writeHeader(count: members.count, fix: 0x80, fixLimit: 16, formats: (nil, 0xDE, 0xDF), into: &buffer)
            for (key, member) in members {
                self.write(.string(key), into: &buffer)
                self.write(member, into: &buffer)
            }
        }
    }

    private static func writeUnsigned(_ number: UInt64, into buffer: inout [UInt8]) {
        switch number {
        case 0..<0x80:
            buffer.append(UInt8(truncatingIfNeeded: number))
        case 0x80...0xFF:
            buffer.append(0xCC)
            buffer.append(UInt8(truncatingIfNeeded: number))
        case 0x100...0xFFFF:
            buffer.append(0xCD)
            buffer.appendBigEndian(UInt16(truncatingIfNeeded: number))
        case 0x1_0000...0xFFFF_FFFF:
            buffer.append(0xCE)
            buffer.appendBigEndian(UInt32(truncatingIfNeeded: number))
        default:
            buffer.append(0xCF)
            buffer.appendBigEndian(number)
        }
    }

    private static func writeNegative(_ number: Int64, into buffer: inout [UInt8]) {
        switch number {
        case -32 ..< 0:
            buffer.append(UInt8(truncatingIfNeeded: number))
        case Int64(Int8.min)...:
            buffer.append(0xD0)
            buffer.append(UInt8(truncatingIfNeeded: number))
        case Int64(Int16.min)...:
            buffer.append(0xD1)
            buffer.appendBigEndian(Int16(truncatingIfNeeded: number))
        case Int64(Int32.min)...:
            buffer.append(0xD2)
            buffer.appendBigEndian(Int32(truncatingIfNeeded: number))
        default:
            buffer.append(0xD3)
            buffer.appendBigEndian(number)
        }
    }

    /// Writes a length header: the fix format when `count < fixLimit`, else the 8/16/32-bit one.
    /// Lengths beyond 2^32 - 1 cannot be expressed in MessagePack at all.
    private static func writeHeader(
        count: Int, fix: UInt8?, fixLimit: Int, formats: (UInt8?, UInt8, UInt8), into buffer: inout [UInt8]
    ) {
        if let fix, count < fixLimit {
            buffer.append(fix | UInt8(truncatingIfNeeded: count))
        } else if let format8 = formats.0, count <= 0xFF {
            buffer.append(format8)
            buffer.append(UInt8(truncatingIfNeeded: count))
        } else if count <= 0xFFFF {
            buffer.append(formats.1)
            buffer.appendBigEndian(UInt16(truncatingIfNeeded: count))
        } else {
            precondition(count <= 0xFFFF_FFFF, "MessagePack cannot encode a length of \(count)")
            buffer.append(formats.2)
            buffer.appendBigEndian(UInt32(truncatingIfNeeded: count))
        }
    }
}
