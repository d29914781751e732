import NIOCore
import NIOWebSocket
import WAMPCore

/// The WAMP layer of a WebSocket connection: whole messages to `TransportInbound`,
/// `TransportOutbound` to frames.
///
/// - `wamp.2.json*` needs text messages, `wamp.2.msgpack*`/`wamp.2.cbor*` binary ones; the wrong
///   type is a WAMP protocol violation (the session layer ABORTs, then the Close carries 1003).
/// - batched subprotocols carry several messages per WebSocket message (`WebSocketBatchFraming`).
/// - shared `.serialized` payloads are put in frames as they are; batched framing around them is
///   written as separate buffers, never copied into them.
struct WebSocketWAMPCodec: WebSocketMessageCodec {
    typealias Inbound = TransportInbound
    typealias Outbound = TransportOutbound

    /// JSON batch record separator: the spec's `0x1E` unless the peer's first batch used
    /// autobahn-python's `0x18` (see `WebSocketBatchFraming`).
    private(set) var recordSeparator: UInt8 = WebSocketBatchFraming.recordSeparator
    private var sawBatch = false
    let subprotocol: WAMPWebSocketSubprotocol
    let serializer: any WAMPSerializer

    init(subprotocol: WAMPWebSocketSubprotocol) {
        self.subprotocol = subprotocol
        self.serializer = subprotocol.serializer.serializer
    }

    /// The frame type every WAMP message on this connection travels in.
    var dataOpcode: WebSocketOpcode {
        self.subprotocol.serializer == .json ? .text : .binary
    }

    mutating func messageReceived(
        opcode: WebSocketOpcode,
        data: ByteBuffer
    )
        -> WebSocketMessageAction<TransportInbound>
    {
        guard opcode == self.dataOpcode else {
            let kind = self.dataOpcode == .text ? "text" : "binary"
            return .deliverViolation(
                .violation(ProtocolViolation("\(self.subprotocol) requires \(kind) messages")),
                closeCode: .unacceptableData
            )
        }
        guard self.subprotocol.batched else {
            return .deliver(TransportInbound(decoding: data, serializer: self.serializer))
        }
        if !self.sawBatch {
            self.sawBatch = true
            if self.subprotocol.serializer == .json,
                data.readableBytesView.last == WebSocketBatchFraming.autobahnPythonRecordSeparator
            {
                self.recordSeparator = WebSocketBatchFraming.autobahnPythonRecordSeparator
            }
        }
        let split = WebSocketBatchFraming.split(
            data,
            serializer: self.subprotocol.serializer,
            recordSeparator: self.recordSeparator
        )
        switch split {
        case .success(let parts):
            return .deliverBatch(
                parts.map { TransportInbound(decoding: $0, serializer: self.serializer) }
            )
        case .failure(let violation):
            return .deliver(.violation(violation))
        }
    }

    func output(for outbound: TransportOutbound, allocator: ByteBufferAllocator) -> WebSocketOutput {
        switch outbound {
        case .framed(let framed):
            return .framed(framed)
        case .prefixed(let bytes):
            return .bytes(bytes)
        case .message(let message):
            return .frame(self.frame(encoding: message, allocator: allocator))
        case .serialized(let payload):
            return .frame(self.frame(carrying: payload, allocator: allocator))
        }
    }

    private func frame(encoding message: WAMPMessage, allocator: ByteBufferAllocator) -> WebSocketFrame {
        var buffer = allocator.buffer(capacity: 256)
        if self.subprotocol.batched {
            WebSocketBatchFraming.write(
                message,
                serializer: self.serializer,
                recordSeparator: self.recordSeparator,
                into: &buffer
            )
        } else {
            buffer.writeWAMPMessage(message, serializer: self.serializer)
        }
        return WebSocketFrame(fin: true, opcode: self.dataOpcode, data: buffer)
    }

    private func frame(carrying payload: ByteBuffer, allocator: ByteBufferAllocator) -> WebSocketFrame {
        guard self.subprotocol.batched else {
            return WebSocketFrame(fin: true, opcode: self.dataOpcode, data: payload)
        }
        // The connection handler writes `extensionData` and then `data`; without negotiated
        // extensions both are plain payload on the wire, which lets us put the batch framing
        // before or after the shared payload without copying it.
        let envelope = WebSocketBatchFraming.envelope(
            payloadLength: payload.readableBytes,
            serializer: self.subprotocol.serializer,
            recordSeparator: self.recordSeparator,
            allocator: allocator
        )
        if let suffix = envelope.suffix {
            return WebSocketFrame(fin: true, opcode: self.dataOpcode, data: suffix, extensionData: payload)
        }
        return WebSocketFrame(fin: true, opcode: self.dataOpcode, data: payload, extensionData: envelope.prefix)
    }
}

/// The handler between the frame decoder and the session handler of a WAMP WebSocket connection.
typealias WebSocketWAMPHandler = WebSocketConnectionHandler
