import NIOCore
import Testing
import WAMPCore

@testable import JunctionTransport

@Suite struct RawSocketHandshakeStateMachineTests {
    private func run(
        _ bytes: [UInt8],
        configuration: RawSocketConfiguration = .init(),
        connectionLimitReached: Bool = false
    ) -> RawSocketHandshakeStateMachine.Action {
        var machine = RawSocketHandshakeStateMachine(
            configuration: configuration,
            connectionLimitReached: connectionLimitReached
        )
        var buffer = ByteBuffer(bytes: bytes)
        return machine.bytesReceived(&buffer)
    }

    private func errorReply(_ code: UInt8) -> UInt32 {
        0x7F00_0000 | UInt32(code << 4) << 16
    }

    @Test func acceptsJSONAndEchoesSerializerWithOurLength() {
        let action = self.run([0x7F, 0xF1, 0x00, 0x00])
        #expect(
            action
                == .accept(
                    reply: 0x7FF1_0000,
                    .init(serializer: .json, peerMaxMessageLength: 1 << 24, maxMessageLength: 1 << 24)
                )
        )
    }

    @Test(arguments: [(UInt8(2), SerializerKind.msgpack), (3, .cbor)])
    func acceptsBinarySerializers(id: UInt8, kind: SerializerKind) {
        let configuration = RawSocketConfiguration(maxMessageLength: 65536)
        let action = self.run([0x7F, 0x00 | id, 0x00, 0x00], configuration: configuration)
        // We advertise 2^16 = 2^(9 + 7); the client asked for 2^9.
        #expect(
            action
                == .accept(
                    reply: 0x7F00_0000 | UInt32(0x70 | id) << 16,
                    .init(serializer: kind, peerMaxMessageLength: 512, maxMessageLength: 65536)
                )
        )
    }

    @Test func unknownSerializerIsRefusedWithError1() {
        guard case .reject(let reply, let error) = self.run([0x7F, 0xF5, 0x00, 0x00]) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(reply == self.errorReply(1))
        #expect(error.code == .handshakeRejected)
        #expect(error.closesConnection)
    }

    @Test func illegalSerializerZeroIsRefusedWithError1() {
        guard case .reject(let reply, _) = self.run([0x7F, 0xF0, 0x00, 0x00]) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(reply == self.errorReply(1))
    }

    @Test func serializerNotAllowedByConfigurationIsRefused() {
        let configuration = RawSocketConfiguration(serializers: [.json])
        guard case .reject(let reply, _) = self.run([0x7F, 0xF2, 0x00, 0x00], configuration: configuration) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(reply == self.errorReply(1))
    }

    @Test func tooSmallPeerLimitIsRefusedWithError2() {
        let configuration = RawSocketConfiguration(minimumPeerMaxMessageLength: 4096)
        // 0x2_: 2^(9+2) = 2048 < 4096.
        guard case .reject(let reply, _) = self.run([0x7F, 0x21, 0x00, 0x00], configuration: configuration) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(reply == self.errorReply(2))
        // 0x3_: 4096 is enough.
        guard case .accept = self.run([0x7F, 0x31, 0x00, 0x00], configuration: configuration) else {
            Issue.record("expected acceptance")
            return
        }
    }

    @Test(arguments: [[UInt8(0x01), 0x00], [0x00, 0x80], [0xFF, 0xFF]])
    func reservedBitsAreRefusedWithError3(reserved: [UInt8]) {
        guard case .reject(let reply, _) = self.run([0x7F, 0xF1] + reserved) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(reply == self.errorReply(3))
    }

    @Test func connectionLimitIsRefusedWithError4() {
        guard case .reject(let reply, _) = self.run([0x7F, 0xF1, 0x00, 0x00], connectionLimitReached: true) else {
            Issue.record("expected a rejection")
            return
        }
        #expect(reply == self.errorReply(4))
    }

    @Test func errorCodesAreNeverZeroAndLowNibbleIsClear() {
        for error in [
            RawSocketHandshakeError.serializerUnsupported, .maximumMessageLengthUnacceptable,
            .reservedBitsUsed, .maximumConnectionCountReached,
        ] {
            #expect(error.rawValue != 0)
        }
    }

    @Test func badMagicClosesWithoutReplyAsSoonAsTheFirstByteArrives() {
        var machine = RawSocketHandshakeStateMachine(configuration: .init())
        var buffer = ByteBuffer(string: "G")
        guard case .close(let error) = machine.bytesReceived(&buffer) else {
            Issue.record("expected close")
            return
        }
        #expect(error.code == .notRawSocket)
        var more = ByteBuffer(string: "ET / HTTP/1.1")
        #expect(machine.bytesReceived(&more) == .none)
    }

    @Test func byteAtATime() {
        var machine = RawSocketHandshakeStateMachine(configuration: .init(maxMessageLength: 1 << 20))
        let bytes: [UInt8] = [0x7F, 0x52, 0x00, 0x00]
        for byte in bytes.dropLast() {
            var buffer = ByteBuffer(bytes: [byte])
            #expect(machine.bytesReceived(&buffer) == .needMoreData)
        }
        var last = ByteBuffer(bytes: [bytes.last!])
        #expect(
            machine.bytesReceived(&last)
                == .accept(
                    reply: 0x7FB2_0000,
                    .init(serializer: .msgpack, peerMaxMessageLength: 1 << 14, maxMessageLength: 1 << 20)
                )
        )
        // Decided: later bytes are not consumed.
        var later = ByteBuffer(bytes: [0x00])
        #expect(machine.bytesReceived(&later) == .none)
        #expect(later.readableBytes == 1)
    }

    @Test func leavesBytesAfterTheHandshakeInTheBuffer() {
        var machine = RawSocketHandshakeStateMachine(configuration: .init())
        var buffer = ByteBuffer(bytes: [0x7F, 0xF1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x5B, 0x5D])
        guard case .accept = machine.bytesReceived(&buffer) else {
            Issue.record("expected acceptance")
            return
        }
        #expect(buffer.bytes == [0x00, 0x00, 0x00, 0x02, 0x5B, 0x5D])
    }

    @Test func timeoutClosesOnlyWhileWaiting() {
        var waiting = RawSocketHandshakeStateMachine(configuration: .init())
        var partial = ByteBuffer(bytes: [0x7F, 0xF1])
        #expect(waiting.bytesReceived(&partial) == .needMoreData)
        guard case .close(let error) = waiting.timedOut() else {
            Issue.record("expected close")
            return
        }
        #expect(error.code == .handshakeTimeout)

        var done = RawSocketHandshakeStateMachine(configuration: .init())
        var full = ByteBuffer(bytes: [0x7F, 0xF1, 0x00, 0x00])
        _ = done.bytesReceived(&full)
        #expect(done.timedOut() == .none)
    }
}
