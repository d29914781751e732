import NIOConcurrencyHelpers
import NIOCore
import WAMPCore

/// A message delivered to many receivers, encoded at most once per serializer and once per
/// `EncodingKey`.
///
/// The first receiver that needs a format encodes it on its own event loop; every later receiver
/// of the same format writes the very same `ByteBuffer` (a reference, not a copy).
public final class SharedMessage: Sendable {
    public let message: WAMPMessage
    private let storage: NIOLockedValueBox<Storage>

    private struct Storage {
        /// The serializers' bytes, what every encoding key's format wraps (by `SerializerKind`).
        var serialized: [ByteBuffer?] = [nil, nil, nil]
        /// Per encoding key, made by the first receiver that needed it.
        var encoded = EncodingSlots()
    }

    public init(_ message: WAMPMessage) {
        self.message = message
        self.storage = NIOLockedValueBox(Storage())
    }

    /// The message encoded with `serializer`.
    public func buffer(for serializer: SerializerKind, allocator: ByteBufferAllocator) -> ByteBuffer {
        self.storage.withLockedValue { storage in
            Self.serialized(&storage, serializer, allocator, self.message)
        }
    }

    /// The message encoded for `key`: made once by `make` from the bytes of the key's serializer,
    /// then shared by every receiver that uses the key. Every encoding made for one key has the
    /// same type, `Encoded`.
    public func encoded<Encoded: AnyObject & Sendable>(
        for key: EncodingKey, allocator: ByteBufferAllocator, make: (ByteBuffer) -> Encoded
    ) -> Encoded {
        self.storage.withLockedValue { storage in
            if let cached = storage.encoded[key] { return unsafeDowncast(cached, to: Encoded.self) }
            let encoded = make(Self.serialized(&storage, key.serializer, allocator, self.message))
            storage.encoded[key] = encoded
            return encoded
        }
    }

    private static func serialized(
        _ storage: inout Storage, _ serializer: SerializerKind, _ allocator: ByteBufferAllocator, _ message: WAMPMessage
    ) -> ByteBuffer {
        let slot = Int(serializer.rawValue) - 1
        if let buffer = storage.serialized[slot] { return buffer }
        let bytes = serializer.serializer.encode(message.wireValue)
        var buffer = allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        storage.serialized[slot] = buffer
        return buffer
    }
}
