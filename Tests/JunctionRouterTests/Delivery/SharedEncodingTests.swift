import NIOCore
import Testing
import WAMPCore

@testable import JunctionRouter

/// Encoding keys, a shared message's cache per key, and a loop's memo of the latest message.
@Suite struct SharedEncodingTests {
    final class Encoded: Sendable {
        let bytes: ByteBuffer
        init(_ bytes: ByteBuffer) { self.bytes = bytes }
    }

    static let event = WAMPMessage.event(
        .init(subscription: 1, publication: 2, payload: .init(args: [.string("hello")])))

    @Test func registeringANameTwiceGivesTheSameKey() {
        let first = EncodingKey.register("test/twice", serializer: .json)
        let again = EncodingKey.register("test/twice", serializer: .json)
        let other = EncodingKey.register("test/other", serializer: .cbor)
        #expect(first == again)
        #expect(other != first)
        #expect(other.serializer == .cbor)
        #expect(other.description == "test/other")
        #expect(EncodingKey.registeredCount > max(first.slot, other.slot))
    }

    @Test func aSharedMessageIsEncodedOncePerKeyFromOneSerialization() throws {
        let framed = EncodingKey.register("test/framed-json", serializer: .json)
        let wrapped = EncodingKey.register("test/wrapped-json", serializer: .json)
        let message = SharedMessage(Self.event)
        let allocator = ByteBufferAllocator()
        var made = 0
        let make: (ByteBuffer) -> Encoded = {
            made += 1
            return Encoded($0)
        }
        let first = message.encoded(for: framed, allocator: allocator, make: make)
        let second = message.encoded(for: framed, allocator: allocator, make: make)
        #expect(first === second)
        #expect(made == 1)
        let other = message.encoded(for: wrapped, allocator: allocator, make: make)
        #expect(other !== first)
        #expect(made == 2)
        #expect(other.bytes == message.buffer(for: .json, allocator: allocator))
        #expect(try WAMPMessage(bytes: Array(other.bytes.readableBytesView), serializer: JSONSerializer()) == Self.event)
    }

    @Test func aKeyRegisteredAfterTheMessageWasCachedStillWorks() {
        let early = EncodingKey.register("test/early", serializer: .msgpack)
        let message = SharedMessage(Self.event)
        let allocator = ByteBufferAllocator()
        _ = message.encoded(for: early, allocator: allocator) { Encoded($0) }
        let late = EncodingKey.register("test/late-\(EncodingKey.registeredCount)", serializer: .cbor)
        let encoded = message.encoded(for: late, allocator: allocator) { Encoded($0) }
        #expect(encoded.bytes == message.buffer(for: .cbor, allocator: allocator))
        #expect(message.encoded(for: late, allocator: allocator) { Encoded($0) } === encoded)
    }

    @Test func theMemoKeepsTheLatestMessagesSmallEncodingsOnly() {
        let key = EncodingKey.register("test/memo", serializer: .json)
        let memo = SharedEncodingMemo()
        let first = SharedMessage(Self.event)
        let second = SharedMessage(Self.event)
        var made = 0
        func encoded(_ message: SharedMessage, bytes: Int) -> Encoded {
            memo.encoded(message, key: key) {
                made += 1
                return (Encoded(ByteBuffer()), bytes)
            }
        }
        let a = encoded(first, bytes: 10)
        #expect(encoded(first, bytes: 10) === a)
        #expect(made == 1)
        _ = encoded(second, bytes: 10)
        #expect(made == 2)
        _ = encoded(first, bytes: 10)
        #expect(made == 3, "only the latest message is remembered")
        let large = SharedEncodingMemo.largestRemembered + 1
        _ = encoded(second, bytes: large)
        _ = encoded(second, bytes: large)
        #expect(made == 5, "a large encoding is not remembered")
    }
}
