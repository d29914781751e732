import NIOCore
import WAMPCore

extension ByteBufferAllocator {
    /// Encodes `message` with `serializer` into a fresh buffer, without any transport framing.
    ///
    /// The router encodes a publication once per serializer in use with this and writes the same
    /// buffer to every subscriber as `TransportOutbound.serialized`; the transports add their
    /// framing around it without copying.
    public func buffer(encoding message: WAMPMessage, with serializer: SerializerKind) -> ByteBuffer {
        self.buffer(encoding: message, with: serializer.serializer)
    }

    /// Encodes `message` with an already instantiated serializer (saves the existential per call).
    public func buffer(encoding message: WAMPMessage, with serializer: any WAMPSerializer) -> ByteBuffer {
        var buffer = self.buffer(capacity: 0)
        buffer.writeWAMPMessage(message, serializer: serializer)
        return buffer
    }
}

extension ByteBuffer {
    /// Appends the serialized `message`; returns the number of bytes written.
    @discardableResult
    mutating func writeWAMPMessage(_ message: WAMPMessage, serializer: any WAMPSerializer) -> Int {
        var bytes: [UInt8] = []
        serializer.encode(message.wireValue, into: &bytes)
        return self.writeBytes(bytes)
    }
}

extension TransportInbound {
    /// Decodes one serialized message: `.message` if it decodes and validates, `.violation` otherwise.
    init(decoding bytes: ByteBuffer, serializer: any WAMPSerializer) {
        let result: Result<WAMPMessage, ProtocolViolation> = bytes.withUnsafeReadableBytes { raw in
            do throws(ProtocolViolation) {
                return .success(try WAMPMessage(bytes: raw, serializer: serializer))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let message): self = .message(message)
        case .failure(let violation): self = .violation(violation)
        }
    }
}
