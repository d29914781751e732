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
    private let storage: NIOLockedValueBox<Storage>

    private struct Storage {
        var encodings: [ByteBuffer?] = [nil, nil, nil]
        /// Transport-framed versions, per serializer and framing slot (see `framed`).
        var framed: [(any AnyObject & Sendable)?]? = nil
    }

    public init(_ message: WAMPMessage) {
        self.message = message
        self.storage = NIOLockedValueBox(Storage())
    }

    /// The message encoded with `serializer`.
    public func buffer(for serializer: SerializerKind, allocator: ByteBufferAllocator) -> ByteBuffer {
        self.storage.withLockedValue { storage in
            Self.encoding(&storage, serializer, allocator, self.message)
        }
    }

    /// The message encoded with `serializer` and framed by `make` for one kind of transport
    /// (`slot` in `0..<slots` names it), made once and shared by every connection of that kind.
    public func framed<Framed: AnyObject & Sendable>(
        for serializer: SerializerKind, slot: Int, slots: Int, allocator: ByteBufferAllocator,
        make: (ByteBuffer) -> Framed
    ) -> Framed {
        self.storage.withLockedValue { storage in
            let index = (Int(serializer.rawValue) - 1) * slots + slot
            if let cached = storage.framed?[index] as? Framed { return cached }
            let payload = Self.encoding(&storage, serializer, allocator, self.message)
            let framed = make(payload)
            if storage.framed == nil { storage.framed = Array(repeating: nil, count: 3 * slots) }
            storage.framed![index] = framed
            return framed
        }
    }

    private static func encoding(
        _ storage: inout Storage, _ serializer: SerializerKind, _ allocator: ByteBufferAllocator, _ message: WAMPMessage
    ) -> ByteBuffer {
        let slot = Int(serializer.rawValue) - 1
        if let buffer = storage.encodings[slot] { return buffer }
        let bytes = serializer.serializer.encode(message.wireValue)
        var buffer = allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        storage.encodings[slot] = buffer
        return buffer
    }
}
