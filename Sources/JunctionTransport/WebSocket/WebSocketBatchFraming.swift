import NIOCore
import WAMPCore

/// The framing of WAMP-over-Batched-WebSocket: several serialized messages in one WebSocket
/// message.
///
/// - JSON (`wamp.2.json.batched`): each message is followed by the ASCII record separator
///   `0x1E`: `msg1 0x1E msg2 0x1E ...`
/// - MessagePack and CBOR (`wamp.2.msgpack.batched`, `wamp.2.cbor.batched`): each message is
///   preceded by its length as a 32-bit big-endian unsigned integer: `len1 msg1 len2 msg2 ...`
///
/// A single message is sent as a batch of one; an empty batch is illegal.
///
/// autobahn-python (and so Crossbar.io) terminates JSON batch records with `b"\30"`, a Python octal
/// escape, i.e. `0x18` instead of the spec's `0x1E`. Neither byte can occur unescaped in JSON text,
/// so the separator is a parameter: `WebSocketWAMPCodec` adopts `0x18` for a connection
/// whose first batch ends with it.
enum WebSocketBatchFraming {
    /// The JSON record separator of the spec (ASCII RS).
    static let recordSeparator: UInt8 = 0x1E
    /// The separator autobahn-python actually sends (ASCII CAN, from the octal `"\30"`).
    static let autobahnPythonRecordSeparator: UInt8 = 0x18

    /// Splits one WebSocket message into its serialized messages (slices, no copies).
    static func split(
        _ message: ByteBuffer,
        serializer: SerializerKind,
        recordSeparator: UInt8 = Self.recordSeparator
    ) -> Result<[ByteBuffer], ProtocolViolation> {
        guard message.readableBytes > 0 else {
            return .failure(ProtocolViolation("empty batch"))
        }
        var message = message
        var parts: [ByteBuffer] = []
        switch serializer {
        case .json:
            while message.readableBytes > 0 {
                guard
                    let length = message.readableBytesView.firstIndex(of: recordSeparator)
                        .map({ $0 - message.readerIndex })
                else {
                    return .failure(ProtocolViolation("batched JSON message not terminated by a record separator"))
                }
                parts.append(message.readSlice(length: length)!)
                message.moveReaderIndex(forwardBy: 1)
            }
        case .msgpack, .cbor:
            while message.readableBytes > 0 {
                guard let length = message.readInteger(as: UInt32.self) else {
                    return .failure(ProtocolViolation("truncated length prefix in batched \(serializer) message"))
                }
                guard let part = message.readSlice(length: Int(length)) else {
                    return .failure(ProtocolViolation("batched \(serializer) message shorter than its length prefix"))
                }
                parts.append(part)
            }
        }
        return .success(parts)
    }

    /// Writes `message` framed as a batch of one into `buffer`.
    static func write(
        _ message: WAMPMessage,
        serializer: any WAMPSerializer,
        recordSeparator: UInt8 = Self.recordSeparator,
        into buffer: inout ByteBuffer
    ) {
        switch serializer.kind {
        case .json:
            buffer.writeWAMPMessage(message, serializer: serializer)
            buffer.writeInteger(recordSeparator)
        case .msgpack, .cbor:
            let prefixIndex = buffer.writerIndex
            buffer.writeInteger(UInt32(0))
            let length = buffer.writeWAMPMessage(message, serializer: serializer)
            buffer.setInteger(UInt32(length), at: prefixIndex)
        }
    }

    /// The bytes that go before and after an already serialized message to make it a batch of
    /// one. Written as separate buffers so the shared payload is never copied.
    static func envelope(
        payloadLength: Int,
        serializer: SerializerKind,
        recordSeparator: UInt8 = Self.recordSeparator,
        allocator: ByteBufferAllocator
    ) -> (prefix: ByteBuffer?, suffix: ByteBuffer?) {
        switch serializer {
        case .json:
            var suffix = allocator.buffer(capacity: 1)
            suffix.writeInteger(recordSeparator)
            return (nil, suffix)
        case .msgpack, .cbor:
            var prefix = allocator.buffer(capacity: 4)
            prefix.writeInteger(UInt32(payloadLength))
            return (prefix, nil)
        }
    }
}
