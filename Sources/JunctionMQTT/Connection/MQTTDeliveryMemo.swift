import MQTTCore
import NIOCore
import Synchronization

/// What the MQTT subscribers on one event loop share of the publication being fanned out: the
/// WAMP event converted to an MQTT message once (topic mapping, payload mapping — the JSON
/// encoding of args/kwargs — and the `x_mqtt` details), and each distinct PUBLISH encoded once.
/// A QoS 0 PUBLISH is written as the very same `ByteBuffer` to every subscriber; for QoS 1/2 only
/// the packet id differs, so the bytes are copied and the id patched in.
///
/// The realm fans a publication out to a loop's subscribers one after the other, so remembering
/// the last publication is enough (as `SharedEncodingMemo` does for WAMP). A PUBLISH differs per
/// subscriber only where MQTT makes it (granted QoS, RETAIN as published, subscription ids, topic
/// alias, the 5.0/3.1.1 layout): those are separate entries, at most `maximumEntries`.
///
/// Confined to its event loop (every connection handler of the loop uses the same one).
public final class MQTTDeliveryMemo: @unchecked Sendable {
    private struct Entry {
        /// The PUBLISH with packet id 0 (QoS 1/2) or none.
        var template: MQTTPublish
        var version: MQTTProtocolVersion
        var bytes: ByteBuffer
        /// Where the packet id's two bytes are (QoS 1/2).
        var packetIdentifierOffset: Int
    }

    private var publication: UInt64?
    private var uri = ""
    private var message: MQTTApplicationMessage?
    private var entries: [Entry] = []

    /// Conversions and encodings made (not taken from the memo), for tests and debugging.
    public private(set) var conversions = 0
    public private(set) var encodings = 0

    static let maximumEntries = 8
    /// Larger packets are not kept alive until the next publication comes along.
    static let largestRemembered = 64 * 1024

    public init() {}

    /// The MQTT message of `publication` on `uri`: `make` the first time, then the same value.
    public func message(
        publication: UInt64,
        uri: String,
        make: () -> MQTTApplicationMessage
    ) -> MQTTApplicationMessage {
        if let message = self.message, publication == self.publication, uri == self.uri {
            return message
        }
        self.publication = publication
        self.uri = uri
        self.entries.removeAll(keepingCapacity: true)
        let message = make()
        self.message = message
        self.conversions += 1
        return message
    }

    /// `publish` (made from the message of `publication`) encoded for `version`.
    public func encoded(
        _ publish: MQTTPublish,
        version: MQTTProtocolVersion,
        publication: UInt64,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        guard publication == self.publication else {
            return Self.encode(publish, version: version, allocator: allocator).bytes
        }
        var template = publish
        if template.packetIdentifier != nil { template.packetIdentifier = 0 }
        if let entry = self.entries.first(where: { $0.version == version && $0.template == template }) {
            guard let id = publish.packetIdentifier else { return entry.bytes }
            var bytes = entry.bytes
            bytes.setInteger(id, at: bytes.readerIndex + entry.packetIdentifierOffset)
            return bytes
        }
        self.encodings += 1
        let (bytes, offset) = Self.encode(template, version: version, allocator: allocator)
        if self.entries.count < Self.maximumEntries, bytes.readableBytes <= Self.largestRemembered {
            self.entries.append(
                Entry(template: template, version: version, bytes: bytes, packetIdentifierOffset: offset)
            )
        }
        guard let id = publish.packetIdentifier else { return bytes }
        var patched = bytes
        patched.setInteger(id, at: patched.readerIndex + offset)
        return patched
    }

    /// The packet's bytes and where its packet id is: after the fixed header (type byte and the
    /// remaining length) and the topic name.
    private static func encode(
        _ publish: MQTTPublish,
        version: MQTTProtocolVersion,
        allocator: ByteBufferAllocator
    ) -> (bytes: ByteBuffer, packetIdentifierOffset: Int) {
        var bytes: [UInt8] = []
        MQTTPacket.publish(publish).encode(version: version, into: &bytes)
        var lengthBytes = 1
        while lengthBytes < 4, bytes[lengthBytes] & 0x80 != 0 { lengthBytes += 1 }
        let offset = 1 + lengthBytes + 2 + publish.topicName.utf8.count
        var buffer = allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return (buffer, offset)
    }
}

/// One `MQTTDeliveryMemo` per event loop, for the connections of one listener.
public final class MQTTDeliveryMemos: Sendable {
    private let memos = Mutex([ObjectIdentifier: MQTTDeliveryMemo]())

    public init() {}

    /// The memo of `loop` (taken once per connection, when it is set up).
    public func memo(for loop: any EventLoop) -> MQTTDeliveryMemo {
        self.memos.withLock { memos in
            let key = ObjectIdentifier(loop)
            if let memo = memos[key] { return memo }
            let memo = MQTTDeliveryMemo()
            memos[key] = memo
            return memo
        }
    }
}
