import NIOConcurrencyHelpers
import NIOCore
import WAMPCore

/// The realm's handle on a joined session's transport.
///
/// Implementations are thread-safe: the realm calls them from its own event loop, which may differ
/// from the connection's. Delivery order per peer is the order of the calls.
public protocol PeerConnection: AnyObject, Sendable {
    /// The serializer the peer negotiated, so a shared message is encoded for it once.
    var serializer: SerializerKind { get }

    /// Delivers a message addressed to this peer alone; the connection encodes it.
    func send(_ message: WAMPMessage)

    /// Delivers a message shared with other receivers; its bytes are encoded once per serializer.
    func send(_ message: SharedMessage)

    /// Ends the session with GOODBYE (router shutdown, kill) and closes the transport after the
    /// peer's reply or a timeout. The realm has already forgotten the session.
    func goodbye(reason: String, message: String?)

    /// Ends the session with ABORT and closes the transport. The realm has already forgotten it.
    func abort(_ abort: WAMPMessage.Abort)
}

/// A message delivered to many receivers, encoded at most once per serializer.
///
/// The first receiver that needs a format encodes it on its own event loop; every later receiver
/// of the same format writes the very same `ByteBuffer` (a reference, not a copy).
public final class SharedMessage: Sendable {
    public let message: WAMPMessage
    private let encodings: NIOLockedValueBox<[ByteBuffer?]>

    public init(_ message: WAMPMessage) {
        self.message = message
        self.encodings = NIOLockedValueBox([nil, nil, nil])
    }

    /// The message encoded with `serializer`.
    public func buffer(for serializer: SerializerKind, allocator: ByteBufferAllocator) -> ByteBuffer {
        let slot = Int(serializer.rawValue) - 1
        return self.encodings.withLockedValue { encodings in
            if let buffer = encodings[slot] { return buffer }
            let bytes = serializer.serializer.encode(self.message.wireValue)
            var buffer = allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            encodings[slot] = buffer
            return buffer
        }
    }
}
