import NIOCore
import WAMPCore

/// The few serializer primitives the load generator writes by hand: list headers, separators and
/// unsigned integers.
///
/// Everything else in a message is a constant that `WAMPCore` encodes once (see `MessageTemplate`);
/// only request ids, sequence numbers and timestamps change per message, so writing those directly
/// keeps the generator far cheaper per message than the router it measures.
enum WireWriter {
    /// Bytes that open a list of `count` elements.
    static func listHeader(_ kind: SerializerKind, count: Int) -> [UInt8] {
        switch kind {
        case .json:
            return [UInt8(ascii: "[")]
        case .msgpack:
            if count < 16 { return [0x90 | UInt8(count)] }
            return [0xDC, UInt8(count >> 8), UInt8(count & 0xFF)]
        case .cbor:
            if count < 24 { return [0x80 | UInt8(count)] }
            return [0x98, UInt8(count)]
        }
    }

    /// Bytes between two list elements (JSON's comma; nothing for the binary formats).
    static func separator(_ kind: SerializerKind) -> [UInt8] {
        kind == .json ? [UInt8(ascii: ",")] : []
    }

    /// Bytes that close a list.
    static func listTrailer(_ kind: SerializerKind) -> [UInt8] {
        kind == .json ? [UInt8(ascii: "]")] : []
    }

    /// Writes `value` as the shortest unsigned integer of `kind`.
    @inline(__always)
    static func writeUInt(_ value: UInt64, _ kind: SerializerKind, into buffer: inout ByteBuffer) {
        switch kind {
        case .json: self.writeDecimal(value, into: &buffer)
        case .msgpack: self.writeMessagePackUInt(value, into: &buffer)
        case .cbor: self.writeCBORUInt(value, into: &buffer)
        }
    }

    @inline(__always)
    private static func writeDecimal(_ value: UInt64, into buffer: inout ByteBuffer) {
        if value < 10 {
            buffer.writeInteger(UInt8(ascii: "0") &+ UInt8(value))
            return
        }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 20) { raw in
            var digits = 0
            var rest = value
            while rest > 0 {
                rest /= 10
                digits += 1
            }
            rest = value
            var index = digits - 1
            while index >= 0 {
                raw[index] = UInt8(ascii: "0") &+ UInt8(rest % 10)
                rest /= 10
                index -= 1
            }
            return digits
        }
    }

    @inline(__always)
    private static func writeMessagePackUInt(_ value: UInt64, into buffer: inout ByteBuffer) {
        switch value {
        case 0..<0x80:
            buffer.writeInteger(UInt8(value))
        case 0x80...0xFF:
            buffer.writeInteger(UInt8(0xCC))
            buffer.writeInteger(UInt8(value))
        case 0x100...0xFFFF:
            buffer.writeInteger(UInt8(0xCD))
            buffer.writeInteger(UInt16(value))
        case 0x1_0000...0xFFFF_FFFF:
            buffer.writeInteger(UInt8(0xCE))
            buffer.writeInteger(UInt32(value))
        default:
            buffer.writeInteger(UInt8(0xCF))
            buffer.writeInteger(value)
        }
    }

    @inline(__always)
    private static func writeCBORUInt(_ value: UInt64, into buffer: inout ByteBuffer) {
        switch value {
        case 0..<24:
            buffer.writeInteger(UInt8(value))
        case 24...0xFF:
            buffer.writeInteger(UInt8(0x18))
            buffer.writeInteger(UInt8(value))
        case 0x100...0xFFFF:
            buffer.writeInteger(UInt8(0x19))
            buffer.writeInteger(UInt16(value))
        case 0x1_0000...0xFFFF_FFFF:
            buffer.writeInteger(UInt8(0x1A))
            buffer.writeInteger(UInt32(value))
        default:
            buffer.writeInteger(UInt8(0x1B))
            buffer.writeInteger(value)
        }
    }
}
