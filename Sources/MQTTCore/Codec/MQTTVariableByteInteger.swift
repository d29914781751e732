/// The Variable Byte Integer of §1.5.5: seven bits per byte, least significant group first, the
/// high bit saying "more follows". It encodes 0...268,435,455 in at most four bytes, and the
/// encoding must be minimal, so `80 00` (zero in two bytes) is as malformed as a fifth byte.
public enum MQTTVariableByteInteger {
    /// The largest encodable value, 2^28 - 1.
    public static let maximum = 268_435_455

    enum DecodeResult {
        case value(Int, length: Int)
        case needMoreBytes
        case invalid(MQTTDecodingError)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) -> DecodeResult {
        var value = 0
        var shift = 0
        for index in 0..<4 {
            guard index < bytes.count else { return .needMoreBytes }
            let byte = bytes[index]
            value |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                if byte == 0 && index > 0 {
                    return .invalid(.malformed("variable byte integer is not minimally encoded"))
                }
                return .value(value, length: index + 1)
            }
            shift += 7
        }
        return .invalid(.malformed("variable byte integer longer than four bytes"))
    }

    /// How many bytes `value` takes (1...4); `value` must be within 0...`maximum`.
    public static func encodedLength(_ value: Int) -> Int {
        switch value {
        case ..<128: return 1
        case ..<16_384: return 2
        case ..<2_097_152: return 3
        default: return 4
        }
    }

    public static func encode(_ value: Int, into buffer: inout [UInt8]) {
        var rest = value
        repeat {
            var byte = UInt8(truncatingIfNeeded: rest & 0x7F)
            rest >>= 7
            if rest > 0 { byte |= 0x80 }
            buffer.append(byte)
        } while rest > 0
    }

    /// Inserts the encoding of `value` at `index`, in front of bytes already written: lengths
    /// are known only after their content, and this spares a scratch buffer per packet.
    static func insert(_ value: Int, into buffer: inout [UInt8], at index: Int) {
        let length = Self.encodedLength(value)
        buffer.insert(contentsOf: repeatElement(0, count: length), at: index)
        var rest = value
        for offset in 0..<length {
            var byte = UInt8(truncatingIfNeeded: rest & 0x7F)
            rest >>= 7
            if offset < length - 1 { byte |= 0x80 }
            buffer[index + offset] = byte
        }
    }
}
