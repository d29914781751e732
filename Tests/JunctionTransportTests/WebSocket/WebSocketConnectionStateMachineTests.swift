import NIOCore
import NIOWebSocket
import Testing

@testable import JunctionTransport

@Suite struct WebSocketConnectionStateMachineTests {
    private static let maskKey: WebSocketMaskingKey = [1, 2, 3, 4]

    private func machine() -> WebSocketConnectionStateMachine {
        WebSocketConnectionStateMachine(maxMessageSize: 1024, maxFragmentsPerMessage: 8)
    }

    /// A masked client frame.
    private func frame(
        _ opcode: WebSocketOpcode,
        _ bytes: [UInt8],
        fin: Bool = true
    )
        -> WebSocketFrame
    {
        var data = ByteBuffer(bytes: bytes)
        data.webSocketMask(Self.maskKey)
        return WebSocketFrame(fin: fin, opcode: opcode, maskKey: Self.maskKey, data: data)
    }

    private func failureCode(
        _ action: WebSocketConnectionStateMachine.FrameAction
    )
        -> WebSocketErrorCode?
    {
        guard case .fail(let failure) = action else { return nil }
        return failure.closeCode
    }

    @Test func closeRequestSendsCloseOnceAndThenDropsWrites() {
        var machine = self.machine()
        #expect(machine.messageWillBeWritten() == .write)
        #expect(machine.closeRequested() == .sendCloseThenClose(.normalClosure))
        #expect(machine.messageWillBeWritten() == .drop)
        #expect(machine.closeRequested() == .closeNow)
        guard case .ignore = machine.frameReceived(self.frame(.text, Array("[]".utf8))) else {
            Issue.record("frames after our close are ignored")
            return
        }
    }

    @Test func violationChangesTheCloseCode() {
        var machine = self.machine()
        machine.violationDelivered(closeCode: .unacceptableData)
        #expect(machine.closeRequested() == .sendCloseThenClose(.unacceptableData))
    }

    @Test func deadPeerClosesWithGoingAway() {
        var machine = self.machine()
        #expect(machine.peerIsDead() == .sendCloseThenClose(.goingAway))
        #expect(machine.peerIsDead() == .closeNow)
    }

    @Test func afterAFailureErrorsAreOnlyForwarded() {
        var machine = self.machine()
        guard
            case .fail(let failure) = machine.errorCaught(NIOWebSocketError.multiByteControlFrameLength)
        else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.closeCode == .protocolError)
        guard case .forward = machine.errorCaught(NIOWebSocketError.invalidFrameLength) else {
            Issue.record("expected forward")
            return
        }
        #expect(machine.closeRequested() == .closeNow)
    }

    @Test func unrelatedErrorsAreForwarded() {
        struct Other: Error {}
        var machine = self.machine()
        guard case .forward = machine.errorCaught(Other()) else {
            Issue.record("expected forward")
            return
        }
        #expect(machine.messageWillBeWritten() == .write)
    }

    @Test func fragmentsAreReassembledWithControlFramesBetween() {
        var machine = self.machine()
        guard case .ignore = machine.frameReceived(self.frame(.binary, [1, 2], fin: false)) else {
            Issue.record("first fragment is held")
            return
        }
        guard case .sendPong(let payload) = machine.frameReceived(self.frame(.ping, [7])) else {
            Issue.record("ping between fragments is answered")
            return
        }
        #expect(payload.readableBytesView.elementsEqual([7]))
        _ = machine.frameReceived(self.frame(.continuation, [3], fin: false))
        guard
            case .message(.binary, let data) = machine.frameReceived(
                self.frame(.continuation, [4], fin: true)
            )
        else {
            Issue.record("expected the whole message")
            return
        }
        #expect(data.readableBytesView.elementsEqual([1, 2, 3, 4]))
    }

    @Test func protocolErrors() {
        var unmasked = self.machine()
        let plain = WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(bytes: [1]))
        #expect(self.failureCode(unmasked.frameReceived(plain)) == .protocolError)

        var reservedOpcode = self.machine()
        #expect(
            self.failureCode(
                reservedOpcode.frameReceived(self.frame(WebSocketOpcode(encodedWebSocketOpcode: 3)!, []))
            )
                == .protocolError
        )

        var orphan = self.machine()
        #expect(
            self.failureCode(orphan.frameReceived(self.frame(.continuation, [1]))) == .protocolError
        )

        var shortClose = self.machine()
        #expect(
            self.failureCode(shortClose.frameReceived(self.frame(.connectionClose, [0x03])))
                == .protocolError
        )
    }

    @Test func sizeAndFragmentLimits() {
        var tooBig = self.machine()
        _ = tooBig.frameReceived(self.frame(.binary, [UInt8](repeating: 0, count: 1000), fin: false))
        #expect(
            self.failureCode(
                tooBig.frameReceived(self.frame(.continuation, [UInt8](repeating: 0, count: 25)))
            )
                == .messageTooLarge
        )

        var tooMany = self.machine()
        _ = tooMany.frameReceived(self.frame(.binary, [0], fin: false))
        for _ in 0..<7 {
            _ = tooMany.frameReceived(self.frame(.continuation, [0], fin: false))
        }
        #expect(
            self.failureCode(tooMany.frameReceived(self.frame(.continuation, [0]))) == .messageTooLarge
        )
    }

    @Test func textEndingInsideACodePointIsInvalid() {
        var machine = self.machine()
        _ = machine.frameReceived(self.frame(.text, [0x41, 0xE2], fin: false))
        #expect(
            self.failureCode(machine.frameReceived(self.frame(.continuation, [0x82])))
                == .dataInconsistentWithMessage
        )
    }

    @Test func closeReasonMustBeUTF8() {
        var machine = self.machine()
        #expect(
            self.failureCode(machine.frameReceived(self.frame(.connectionClose, [0x03, 0xE8, 0xFF])))
                == .dataInconsistentWithMessage
        )
    }

    @Test func validUTF8IsAccepted() {
        #expect(ByteBuffer(string: "grüße 👋").isValidUTF8)
        #expect(ByteBuffer().isValidUTF8)
        #expect(!ByteBuffer(bytes: [0xED, 0xA0, 0x80]).isValidUTF8)  // surrogate
        #expect(!ByteBuffer(bytes: [0xE2, 0x82]).isValidUTF8)  // truncated
        #expect(!ByteBuffer(bytes: [0x41, 0xC0, 0x80]).isValidUTF8)  // overlong
        #expect(!ByteBuffer(bytes: [0xF4, 0x90, 0x80, 0x80]).isValidUTF8)  // above U+10FFFF
        #expect(ByteBuffer(bytes: [0xF4, 0x8F, 0xBF, 0xBF]).isValidUTF8)  // U+10FFFF
    }

    @Test func streamValidatorMatchesTheStandardLibrary() {
        // Every 1- and 2-byte sequence, and 3-byte ones starting with the tricky lead bytes, split at
        // every position, agree with the standard library's decoder.
        var inputs: [[UInt8]] = (0...255).map { [UInt8($0)] }
        for a in 0xC0...0xFF { for b in 0x70...0xC0 { inputs.append([UInt8(a), UInt8(b)]) } }
        for a in [0xE0, 0xED, 0xF0, 0xF4] {
            for b in 0x70...0xC0 { inputs.append([UInt8(a), UInt8(b), 0x80]) }
        }
        for bytes in inputs {
            let expected = String(validating: bytes, as: UTF8.self) != nil
            for split in 0...bytes.count {
                var validator = UTF8StreamValidator()
                let ok =
                    bytes[..<split].withUnsafeBytes { validator.consume($0) }
                    && bytes[split...].withUnsafeBytes { validator.consume($0) } && validator.isAtBoundary
                #expect(ok == expected, "\(bytes) split at \(split)")
            }
        }
    }
}

@Suite struct WebSocketUnmaskingTests {
    @Test(arguments: [0, 1, 3, 7, 8, 9, 15, 16, 17, 1000])
    func wordWiseUnmaskingMatchesNIO(length: Int) {
        let key: WebSocketMaskingKey = [0xA1, 0x02, 0xF3, 0x44]
        var data = ByteBuffer(bytes: (0..<length).map { UInt8(truncatingIfNeeded: $0 * 31 + 7) })
        data.webSocketMask(key)
        let frame = WebSocketFrame(fin: true, opcode: .binary, maskKey: key, data: data)
        #expect(frame.unmaskedPayload == frame.unmaskedData)
    }
}

@Suite struct UTF8FastPathTests {
    @Test func asciiRunsAndMultibyteSequencesAcrossWordBoundaries() {
        let samples: [([UInt8], Bool)] = [
            (Array("plain ascii text that is longer than eight bytes".utf8), true),
            (Array("1234567é89abcdefgh€ijklmnop😀".utf8), true),
            (Array("12345678".utf8) + [0xC3], false),  // truncated at the end: not at a boundary
            (Array("1234567".utf8) + [0xFF] + Array("abcdefgh".utf8), false),
            (Array("abcdefgh".utf8) + [0xED, 0xA0, 0x80], false),  // a surrogate
        ]
        for (bytes, valid) in samples {
            var validator = UTF8StreamValidator()
            let consumed = bytes.withUnsafeBytes { validator.consume($0) }
            #expect((consumed && validator.isAtBoundary) == valid, "\(bytes)")
        }
    }
}
