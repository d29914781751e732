import NIOCore
import Testing
import WAMPCore

@testable import junction_bench

@Suite struct MessageTemplateTests {
    func decode(_ buffer: ByteBuffer, _ kind: SerializerKind) throws -> WAMPMessage {
        try WAMPMessage(from: kind.serializer.decode(Array(buffer.readableBytesView)))
    }

    @Test(arguments: SerializerKind.allCases)
    func publishTemplateDecodesToTheMessage(kind: SerializerKind) throws {
        let template = MessageTemplate(
            kind,
            [
                .constant(16), .slot, .constant(["acknowledge": true]), .constant("bench.topic"),
                .list([.slot, .slot, .slot, .constant("pad")]),
            ])
        let cases: [(UInt64, UInt64, UInt64)] = [(1, 0, 5), (200, 70_000, 1 << 40), (1 << 53, 23, 255)]
        for (request, sequence, stamp) in cases {
            var buffer = ByteBuffer()
            template.write(into: &buffer, request, 2, sequence, stamp)
            #expect(buffer.readableBytes <= template.maximumSize)
            let expected = WAMPMessage.publish(
                .init(
                    request: request, options: ["acknowledge": true], topic: "bench.topic",
                    payload: .init(args: [.uint(2), .uint(sequence), .uint(stamp), "pad"])))
            let decoded = try self.decode(buffer, kind)
            #expect(decoded.wireValue.isNumericallyEqual(to: expected.wireValue))
        }
    }

    @Test(arguments: SerializerKind.allCases)
    func baselineRepliesCarryTheRequestTail(kind: SerializerKind) throws {
        let call = WAMPMessage.call(
            .init(request: 42, procedure: "bench.rpc.0", payload: .init(args: ["x", 1], kwargs: ["k": true])))
        let bytes = call.encoded(with: kind.serializer)
        var reply = ByteBuffer()
        try bytes.withUnsafeBytes { raw throws in
            var scanner = WireScanner(kind, raw)
            let count = try scanner.enterList() ?? 0
            _ = try scanner.uint()
            let request = try scanner.uint()
            try scanner.skip()
            try scanner.skip()
            BaselineReplies(kind).withTail(
                type: 50, id: request, extra: nil, tail: scanner.remainder, tailCount: max(0, count - 4),
                into: &reply)
        }
        let expected = WAMPMessage.result(.init(request: 42, payload: .init(args: ["x", 1], kwargs: ["k": true])))
        #expect(try self.decode(reply, kind).wireValue.isNumericallyEqual(to: expected.wireValue))
    }

    @Test(arguments: SerializerKind.allCases)
    func baselineEventWithoutArguments(kind: SerializerKind) throws {
        let publish = WAMPMessage.publish(.init(request: 9, topic: "t"))
        let bytes = publish.encoded(with: kind.serializer)
        var event = ByteBuffer()
        try bytes.withUnsafeBytes { raw throws in
            var scanner = WireScanner(kind, raw)
            let count = try scanner.enterList() ?? 0
            _ = try scanner.uint()
            _ = try scanner.uint()
            #expect(try scanner.dictHasTrue("acknowledge") == false)
            try scanner.skip()
            BaselineReplies(kind).withTail(
                type: 36, id: 1, extra: 5, tail: scanner.remainder, tailCount: max(0, count - 4), into: &event)
        }
        let expected = WAMPMessage.event(.init(subscription: 1, publication: 5))
        #expect(try self.decode(event, kind).wireValue.isNumericallyEqual(to: expected.wireValue))
    }
}
