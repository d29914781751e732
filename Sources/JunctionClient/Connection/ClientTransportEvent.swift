import NIOCore
import WAMPCore

/// Fired through the pipeline by a transport codec once WAMP messages can flow (RawSocket
/// handshake accepted). The WebSocket path completes its upgrade future instead.
struct ClientTransportReady: Sendable {}

extension WAMPMessage {
    /// Decodes one serialized message from a buffer's readable bytes.
    init(buffer: ByteBuffer, serializer: any WAMPSerializer) throws(WAMPClientError) {
        let result: Swift.Result<WAMPMessage, ProtocolViolation> = buffer.withUnsafeReadableBytes { raw in
            do throws(ProtocolViolation) {
                return .success(try WAMPMessage(bytes: raw, serializer: serializer))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let message): self = message
        case .failure(let violation): throw WAMPClientError(.protocolViolation, violation.message)
        }
    }
}

extension ByteBufferAllocator {
    /// `message` serialized with `serializer`, no framing.
    func buffer(serializing message: WAMPMessage, with serializer: any WAMPSerializer) -> ByteBuffer {
        var bytes: [UInt8] = []
        serializer.encode(message.wireValue, into: &bytes)
        var buffer = self.buffer(capacity: bytes.count + 4)
        buffer.writeBytes(bytes)
        return buffer
    }
}
