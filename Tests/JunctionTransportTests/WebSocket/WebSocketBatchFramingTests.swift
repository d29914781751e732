import NIOCore
import Testing
import WAMPCore

@testable import JunctionTransport

@Suite struct WebSocketBatchFramingTests {
    @Test func splitsJSONOnRecordSeparators() throws {
        let parts = try WebSocketBatchFraming.split(ByteBuffer(string: "[1]\u{1E}[2,3]\u{1E}"), serializer: .json).get()
        #expect(parts.map { String(buffer: $0) } == ["[1]", "[2,3]"])
    }

    @Test func splitsBinaryOnLengthPrefixes() throws {
        let parts = try WebSocketBatchFraming.split(
            ByteBuffer(bytes: [0, 0, 0, 2, 0xAA, 0xBB, 0, 0, 0, 1, 0xCC]),
            serializer: .msgpack
        ).get()
        #expect(parts.map(\.bytes) == [[0xAA, 0xBB], [0xCC]])
    }

    @Test(arguments: [
        (SerializerKind.json, [UInt8]()),
        (.json, Array("[1]".utf8)),
        (.json, Array("[1]\u{1E}[2]".utf8)),
        (.cbor, []),
        (.cbor, [0, 0, 1]),
        (.cbor, [0, 0, 0, 3, 0xAA]),
    ])
    func malformedBatchesAreViolations(serializer: SerializerKind, bytes: [UInt8]) {
        guard case .failure = WebSocketBatchFraming.split(ByteBuffer(bytes: bytes), serializer: serializer) else {
            Issue.record("expected a violation")
            return
        }
    }

    @Test(arguments: SerializerKind.allCases)
    func writtenBatchOfOneSplitsBack(serializer: SerializerKind) throws {
        var buffer = ByteBuffer()
        WebSocketBatchFraming.write(Fixtures.hello, serializer: serializer.serializer, into: &buffer)
        let parts = try WebSocketBatchFraming.split(buffer, serializer: serializer).get()
        #expect(parts.map(\.bytes) == [Fixtures.encoded(Fixtures.hello, serializer)])
    }
}
