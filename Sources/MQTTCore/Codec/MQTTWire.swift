/// Appenders for MQTT's data representations (§1.5): big-endian integers, strings and binary
/// data with a two-byte length. Lengths above 65,535 cannot be represented; the router keeps
/// strings and binary properties within that bound before it builds a packet.
enum MQTTWire {
    static func appendUInt16(_ value: UInt16, to buffer: inout [UInt8]) {
        buffer.append(UInt8(truncatingIfNeeded: value >> 8))
        buffer.append(UInt8(truncatingIfNeeded: value))
    }

    static func appendUInt32(_ value: UInt32, to buffer: inout [UInt8]) {
        buffer.append(UInt8(truncatingIfNeeded: value >> 24))
        buffer.append(UInt8(truncatingIfNeeded: value >> 16))
        buffer.append(UInt8(truncatingIfNeeded: value >> 8))
        buffer.append(UInt8(truncatingIfNeeded: value))
    }

    static func appendString(_ value: String, to buffer: inout [UInt8]) {
        let utf8 = value.utf8
        Self.appendUInt16(UInt16(truncatingIfNeeded: utf8.count), to: &buffer)
        buffer.append(contentsOf: utf8)
    }

    static func appendBinary(_ value: [UInt8], to buffer: inout [UInt8]) {
        Self.appendUInt16(UInt16(truncatingIfNeeded: value.count), to: &buffer)
        buffer.append(contentsOf: value)
    }
}
