import MQTTCore
import NIOCore

/// A PUBLISH encoded once by MQTTCore and patched per message: packet identifier (QoS > 0) and
/// the first 20 payload bytes, `[publisher: UInt32][sequence: UInt64][send time: UInt64]`
/// (big-endian), followed by padding up to the payload size.
///
/// Encoding a whole packet per message would measure the generator's encoder, not the broker.
struct MQTTPublishTemplate: Sendable {
    /// Bytes of the stamp every payload starts with.
    static let stampSize = 20

    let bytes: [UInt8]
    let qos: MQTTQoS
    /// Where the packet identifier starts (nil at QoS 0).
    let packetIdentifierOffset: Int?
    let payloadOffset: Int

    /// - Parameter payload: total payload bytes; at least `stampSize`.
    init(topic: String, payload: Int, qos: MQTTQoS, version: MQTTProtocolVersion) {
        let size = max(payload, Self.stampSize)
        let publish = MQTTPublish(
            topicName: topic, payload: [UInt8](repeating: UInt8(ascii: "x"), count: size), qos: qos,
            packetIdentifier: qos == .atMostOnce ? nil : 1)
        self.bytes = MQTTPacket.publish(publish).encoded(version: version)
        self.qos = qos
        self.payloadOffset = self.bytes.count - size
        // Fixed header byte, Remaining Length (1-4 bytes, the last one below 0x80), topic.
        var offset = 1
        while self.bytes[offset] & 0x80 != 0 { offset += 1 }
        offset += 1 + 2 + topic.utf8.count
        self.packetIdentifierOffset = qos == .atMostOnce ? nil : offset
    }

    /// Appends the packet for one message to `buffer`.
    @inline(__always)
    func write(
        into buffer: inout ByteBuffer, packetIdentifier: UInt16, publisher: UInt32, sequence: UInt64, stamp: UInt64
    ) {
        let start = buffer.writerIndex
        buffer.writeBytes(self.bytes)
        if let offset = self.packetIdentifierOffset {
            buffer.setInteger(packetIdentifier, at: start + offset)
        }
        let payload = start + self.payloadOffset
        buffer.setInteger(publisher, at: payload)
        buffer.setInteger(sequence, at: payload + 4)
        buffer.setInteger(stamp, at: payload + 12)
    }

    /// Reads the stamp back from a received payload; nil if it is too short.
    static func readStamp(_ payload: [UInt8]) -> (publisher: UInt32, sequence: UInt64, stamp: UInt64)? {
        guard payload.count >= Self.stampSize else { return nil }
        func integer<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
            var value: T = 0
            for index in offset..<(offset + MemoryLayout<T>.size) { value = value << 8 | T(payload[index]) }
            return value
        }
        return (integer(UInt32.self, at: 0), integer(UInt64.self, at: 4), integer(UInt64.self, at: 12))
    }
}
