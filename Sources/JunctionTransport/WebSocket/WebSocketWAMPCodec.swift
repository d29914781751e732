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

    /// The framing shared messages get on this connection; `nil` for batched subprotocols, whose
    /// messages are wrapped in batch framing per connection.
    var framing: TransportFraming? {
        self.subprotocol.batched ? nil : .webSocket(binary: self.subprotocol.serializer != .json)
    }

    func output(for outbound: TransportOutbound, allocator: ByteBufferAllocator) -> WebSocketOutput {
        switch outbound {
        case .framed(let framed):
            return .framed(framed)
        case .prefixed(let bytes):
            return .bytes(bytes)
        default:
            return .frame(self.frame(for: outbound, allocator: allocator))
        }
    }

    func frame(for outbound: TransportOutbound, allocator: ByteBufferAllocator) -> WebSocketFrame {
        let opcode = self.dataOpcode
        switch outbound {
        case .framed(let framed):
            return WebSocketFrame(fin: true, opcode: opcode, data: framed.payload)
        case .prefixed(var bytes):
            // Only reached if a session handler ignored `framing`: strip its prefix.
            bytes.moveReaderIndex(forwardBy: self.framing.map { $0.prefixLength(of: bytes) } ?? 0)
            return WebSocketFrame(fin: true, opcode: opcode, data: bytes)
        case .message(let message):
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
            return WebSocketFrame(fin: true, opcode: opcode, data: buffer)
        case .serialized(let payload) where self.subprotocol.batched:
            // The encoder writes `extensionData` and then `data`, each as its own buffer; without
            // negotiated extensions both are plain payload on the wire, which lets us put the
            // batch framing before or after the shared payload without copying it.
            let envelope = WebSocketBatchFraming.envelope(
                payloadLength: payload.readableBytes,
                serializer: self.subprotocol.serializer,
                recordSeparator: self.recordSeparator,
                allocator: allocator
            )
            if let suffix = envelope.suffix {
                return WebSocketFrame(fin: true, opcode: opcode, data: suffix, extensionData: payload)
            }
            return WebSocketFrame(
                fin: true,
                opcode: opcode,
                data: payload,
                extensionData: envelope.prefix
            )
        case .serialized(let payload):
            return WebSocketFrame(fin: true, opcode: opcode, data: payload)
        }
    }
}

/// The handler between the frame decoder and the session handler of a WAMP WebSocket connection.
typealias WebSocketWAMPHandler = WebSocketConnectionHandler
