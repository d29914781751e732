/// Encodes `WAMPValue`s as CBOR with definite lengths and the smallest head for every argument.
enum CBORWriter {
    static func write(_ value: WAMPValue, into buffer: inout [UInt8]) {
        switch value {
        case .null:
            buffer.append(0xF6)
        case .bool(let flag):
            buffer.append(flag ? 0xF5 : 0xF4)
        case .int(let number):
            if number >= 0 {
                self.writeHead(major: 0, UInt64(number), into: &buffer)
            } else {
                // -1 - n == ~n in two's complement.
                self.writeHead(major: 1, UInt64(bitPattern: ~number), into: &buffer)
            }
        case .uint(let number):
            self.writeHead(major: 0, number, into: &buffer)
        case .double(let number):
            buffer.append(0xFB)
            buffer.appendBigEndian(number.bitPattern)
        case .string(let string):
            var string = string
            string.withUTF8 { utf8 in
                self.writeHead(major: 3, UInt64(utf8.count), into: &buffer)
                buffer.append(contentsOf: utf8)
            }
        case .binary(let bytes):
            self.writeHead(major: 2, UInt64(bytes.count), into: &buffer)
            buffer.append(contentsOf: bytes)
        case .list(let elements):
            self.writeHead(major: 4, UInt64(elements.count), into: &buffer)
            for element in elements {
                self.write(element, into: &buffer)
            }
        case .dict(let members):
            self.writeHead(major: 5, UInt64(members.count), into: &buffer)
            for (key, member) in members {
                self.write(.string(key), into: &buffer)
                self.write(member, into: &buffer)
            }
        }
    }

    private static func writeHead(major: UInt8, _ argument: UInt64, into buffer: inout [UInt8]) {
        let type = major << 5
        switch argument {
        case 0..<24:
            buffer.append(type | UInt8(truncatingIfNeeded: argument))
        case 24...0xFF:
            buffer.append(type | 24)
            buffer.append(UInt8(truncatingIfNeeded: argument))
        case 0x100...0xFFFF:
            buffer.append(type | 25)
            buffer.appendBigEndian(UInt16(truncatingIfNeeded: argument))
        case 0x1_0000...0xFFFF_FFFF:
            buffer.append(type | 26)
            buffer.appendBigEndian(UInt32(truncatingIfNeeded: argument))
        default:
            buffer.append(type | 27)
            buffer.appendBigEndian(argument)
        }
    }
}
