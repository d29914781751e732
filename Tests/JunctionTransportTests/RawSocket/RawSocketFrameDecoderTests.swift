import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import JunctionTransport

@Suite struct RawSocketFrameDecoderTests {
    private func frame(_ type: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let length = payload.count
        return [type, UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + payload
    }

    @Test func verifierOneByteAtATimeAndManyPerBuffer() throws {
        let big = [UInt8](repeating: 0x41, count: 300)
        let pairs: [(ByteBuffer, [RawSocketFrame])] = [
            (
                ByteBuffer(bytes: self.frame(0, Array("[1]".utf8))),
                [RawSocketFrame(kind: .message, payload: ByteBuffer(string: "[1]"))]
            ),
            (
                ByteBuffer(bytes: self.frame(1, [1, 2, 3])),
                [RawSocketFrame(kind: .ping, payload: ByteBuffer(bytes: [1, 2, 3]))]
            ),
            (ByteBuffer(bytes: self.frame(2, [])), [RawSocketFrame(kind: .pong, payload: ByteBuffer())]),
            (ByteBuffer(bytes: self.frame(0, big)), [RawSocketFrame(kind: .message, payload: ByteBuffer(bytes: big))]),
            (
                ByteBuffer(bytes: self.frame(0, []) + self.frame(1, [9])),
                [
                    RawSocketFrame(kind: .message, payload: ByteBuffer()),
                    RawSocketFrame(kind: .ping, payload: ByteBuffer(bytes: [9])),
                ]
            ),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            RawSocketFrameDecoder(maxPayloadLength: 512)
        }
    }

    private func parse(_ bytes: [UInt8], max: Int = 512) throws(TransportError) -> RawSocketFrameParser.ParseResult {
        var parser = RawSocketFrameParser(maxPayloadLength: max)
        var buffer = ByteBuffer(bytes: bytes)
        while true {
            let result = try parser.parseStep(&buffer)
            if case .continueParsing = result {
                continue
            }
            return result
        }
    }

    @Test func oversizedFrameIsRejectedFromItsHeader() {
        #expect(throws: TransportError.self) { try self.parse([0x00, 0x00, 0x02, 0x01], max: 512) }
        do {
            _ = try self.parse([0x00, 0x00, 0x02, 0x01], max: 512)
        } catch {
            #expect(error.code == .frameTooLarge)
        }
        // Exactly the limit is fine (only the header is there yet).
        #expect(throws: Never.self) { try self.parse([0x00, 0x00, 0x02, 0x00], max: 512) }
    }

    @Test(arguments: [UInt8(0x10), 0x20, 0x40, 0x80, 0xF0])
    func reservedBitsAreRejected(first: UInt8) {
        do {
            _ = try self.parse([first, 0x00, 0x00, 0x01, 0x00])
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidFrameHeader)
        }
    }

    @Test(arguments: [UInt8(3), 4, 5, 6, 7])
    func reservedFrameTypesAreRejected(type: UInt8) {
        do {
            _ = try self.parse([type, 0x00, 0x00, 0x00])
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidFrameHeader)
        }
    }

    @Test func twentyFifthLengthBitMeansExactly16MiB() throws {
        // X set, L zero: 2^24 bytes; fine when we advertised 2^24.
        var parser = RawSocketFrameParser(maxPayloadLength: 1 << 24)
        var header = ByteBuffer(bytes: [0x08, 0x00, 0x00, 0x00])
        #expect(try parser.parseStep(&header) == .continueParsing)
        #expect(try parser.parseStep(&header) == .insufficientData)
        // X set with a non-zero length is malformed.
        do {
            _ = try self.parse([0x08, 0x00, 0x00, 0x01], max: 1 << 24)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidFrameHeader)
        }
        // X set but we advertised less: too large.
        do {
            _ = try self.parse([0x08, 0x00, 0x00, 0x00], max: 1 << 23)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .frameTooLarge)
        }
    }

    @Test func headerEncoding() {
        #expect(RawSocketFrame.header(kind: .message, length: 3) == 0x0000_0003)
        #expect(RawSocketFrame.header(kind: .ping, length: 0xFF_FFFF) == 0x01FF_FFFF)
        #expect(RawSocketFrame.header(kind: .pong, length: 1 << 24) == 0x0A00_0000)
    }
}
