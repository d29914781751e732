/// Writes compact JSON (no whitespace) straight into a byte buffer.
///
/// Binary values follow the WAMP convention (`"\u0000"` + Base64); non-finite doubles, which
/// JSON cannot carry, become `null`.
enum JSONWriter {
    static func write(_ value: WAMPValue, into buffer: inout [UInt8]) {
        switch value {
        case .null:
            self.appendLiteral("null", into: &buffer)
        case .bool(let flag):
            self.appendLiteral(flag ? "true" : "false", into: &buffer)
        case .int(let number):
            if number < 0 {
                buffer.append(UInt8(ascii: "-"))
                self.writeDecimal(0 &- UInt64(bitPattern: number), into: &buffer)
            } else {
                self.writeDecimal(UInt64(number), into: &buffer)
            }
        case .uint(let number):
            self.writeDecimal(number, into: &buffer)
        case .double(let number):
            if number.isFinite {
                // Swift's shortest round-trip representation; always valid JSON ("1.0", "1e+300").
                buffer.appendUTF8(number.description)
            } else {
                self.appendLiteral("null", into: &buffer)
            }
        case .string(let string):
            self.writeString(string, into: &buffer)
        case .binary(let bytes):
            buffer.reserveAdditional(Base64.encodedLength(bytes.count) + 8)
            self.appendLiteral("\"\\u0000", into: &buffer)
            bytes.withUnsafeBufferPointer { Base64.encode($0, into: &buffer) }
            buffer.append(UInt8(ascii: "\""))
        case .list(let elements):
            buffer.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { buffer.append(UInt8(ascii: ",")) }
                first = false
                self.write(element, into: &buffer)
            }
            buffer.append(UInt8(ascii: "]"))
        case .dict(let members):
            buffer.append(UInt8(ascii: "{"))
            var first = true
            for (key, member) in members {
                if !first { buffer.append(UInt8(ascii: ",")) }
                first = false
                self.writeString(key, into: &buffer)
                buffer.append(UInt8(ascii: ":"))
                self.write(member, into: &buffer)
            }
            buffer.append(UInt8(ascii: "}"))
        }
    }

    @inline(__always)
    private static func appendLiteral(_ literal: StaticString, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Writes the decimal digits of `value` without going through `String`.
    static func writeDecimal(_ value: UInt64, into buffer: inout [UInt8]) {
        if value < 10 {
            buffer.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var position = 20
            var rest = value
            while rest > 0 {
                let (quotient, remainder) = rest.quotientAndRemainder(dividingBy: 10)
                position -= 1
                digits[position] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remainder)
                rest = quotient
            }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: digits[position..<20]))
        }
    }

    private static let hexDigits: StaticString = "0123456789abcdef"

    /// Writes a quoted string, escaping `"`, `\` and control characters and copying everything
    /// else (valid UTF-8 by construction of `String`) in runs.
    static func writeString(_ string: String, into buffer: inout [UInt8]) {
        var string = string
        string.withUTF8 { utf8 in
            buffer.reserveAdditional(utf8.count + 2)
            buffer.append(UInt8(ascii: "\""))
            var runStart = 0
            var index = 0
            while index < utf8.count {
                let byte = utf8[index]
                if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                    index += 1
                    continue
                }
                if runStart < index {
                    buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                }
                self.appendEscape(byte, into: &buffer)
                index += 1
                runStart = index
            }
            if runStart < utf8.count {
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
            }
            buffer.append(UInt8(ascii: "\""))
        }
    }

    private static func appendEscape(_ byte: UInt8, into buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
        case 0x08: buffer.append(UInt8(ascii: "b"))
        case 0x0C: buffer.append(UInt8(ascii: "f"))
        case 0x0A: buffer.append(UInt8(ascii: "n"))
        case 0x0D: buffer.append(UInt8(ascii: "r"))
        case 0x09: buffer.append(UInt8(ascii: "t"))
        default:
            let hex = self.hexDigits.utf8Start
            buffer.append(UInt8(ascii: "u"))
            buffer.append(UInt8(ascii: "0"))
            buffer.append(UInt8(ascii: "0"))
            buffer.append(hex[Int(byte >> 4)])
            buffer.append(hex[Int(byte & 0x0F)])
        }
    }
}
