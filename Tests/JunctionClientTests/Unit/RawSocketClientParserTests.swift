import NIOCore
import Testing

@testable import JunctionClient

@Suite struct RawSocketClientParserTests {
    @Test func handshakeThenFramesByteByByte() throws {
        var parser = RawSocketClientParser(serializer: .cbor)
        var wire: [UInt8] = [0x7F, 0xF3, 0, 0]
        wire += [0, 0, 0, 3, 1, 2, 3]  // message
        wire += [1, 0, 0, 1, 9]  // ping
        var buffer = ByteBuffer()
        var steps: [RawSocketClientParser.Step] = []
        for byte in wire {
            buffer.writeInteger(byte)
            while true {
                let step = try parser.parseStep(&buffer)
                if step == .insufficientData { break }
                steps.append(step)
            }
        }
        #expect(steps == [.handshakeAccepted(maxLength: 1 << 24), .message(ByteBuffer(bytes: [1, 2, 3])), .ping(ByteBuffer(bytes: [9]))])
    }

    @Test func refusedHandshakeAndBadHeadersThrow() throws {
        var refused = RawSocketClientParser(serializer: .json)
        var buffer = ByteBuffer(bytes: [0x7F, 0x10, 0, 0])
        #expect(throws: WAMPClientError.self) { try refused.parseStep(&buffer) }

        var parser = RawSocketClientParser(serializer: .json)
        var frames = ByteBuffer(bytes: [0x7F, 0x91, 0, 0, 0x10, 0, 0, 0])
        #expect(try parser.parseStep(&frames) == .handshakeAccepted(maxLength: 1 << 18))
        #expect(throws: WAMPClientError.self) { try parser.parseStep(&frames) }
    }
}
