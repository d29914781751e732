import NIOCore
import NIOWebSocket
import Testing
import WAMPCore

@testable import JunctionTransport

@Suite struct WebSocketWAMPStateMachineTests {
    private func frame(_ opcode: WebSocketOpcode, _ bytes: [UInt8]) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: opcode, data: ByteBuffer(bytes: bytes))
    }

    @Test func closeRequestSendsCloseOnceAndThenDropsWrites() {
        var machine = WebSocketWAMPStateMachine(subprotocol: .init(serializer: .json), maxMessageSize: 1024)
        #expect(machine.messageWillBeWritten() == .write)
        #expect(machine.closeRequested() == .sendCloseThenClose(.normalClosure))
        #expect(machine.messageWillBeWritten() == .drop)
        #expect(machine.closeRequested() == .closeNow)
        guard case .ignore = machine.frameReceived(self.frame(.text, Array("[]".utf8))) else {
            Issue.record("frames after our close are ignored")
            return
        }
    }

    @Test func afterAFailureErrorsAreOnlyForwarded() {
        var machine = WebSocketWAMPStateMachine(subprotocol: .init(serializer: .json), maxMessageSize: 1024)
        guard case .fail(let failure) = machine.errorCaught(NIOWebSocketError.multiByteControlFrameLength) else {
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
        var machine = WebSocketWAMPStateMachine(subprotocol: .init(serializer: .json), maxMessageSize: 1024)
        guard case .forward = machine.errorCaught(Other()) else {
            Issue.record("expected forward")
            return
        }
        #expect(machine.messageWillBeWritten() == .write)
    }

    @Test func aggregatorErrorsMapToCloseCodes() {
        let cases: [(NIOWebSocketFrameAggregator.Error, WebSocketErrorCode)] = [
            (.accumulatedFrameSizeIsTooLarge, .messageTooLarge),
            (.tooManyFragments, .messageTooLarge),
            (.receivedNewFrameWithoutFinishingPrevious, .protocolError),
            (.didReceiveFragmentBeforeReceivingTextOrBinaryFrame, .protocolError),
        ]
        for (error, code) in cases {
            var machine = WebSocketWAMPStateMachine(subprotocol: .init(serializer: .json), maxMessageSize: 1024)
            guard case .fail(let failure) = machine.errorCaught(error) else {
                Issue.record("expected a failure for \(error)")
                continue
            }
            #expect(failure.closeCode == code)
        }
    }

    @Test func closeReasonMustBeUTF8() {
        var machine = WebSocketWAMPStateMachine(subprotocol: .init(serializer: .json), maxMessageSize: 1024)
        guard case .fail(let failure) = machine.frameReceived(self.frame(.connectionClose, [0x03, 0xE8, 0xFF])) else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.closeCode == .dataInconsistentWithMessage)
    }

    @Test func validUTF8IsAccepted() {
        #expect(ByteBuffer(string: "grüße 👋").isValidUTF8)
        #expect(ByteBuffer().isValidUTF8)
        #expect(!ByteBuffer(bytes: [0xED, 0xA0, 0x80]).isValidUTF8)  // surrogate
        #expect(!ByteBuffer(bytes: [0xE2, 0x82]).isValidUTF8)  // truncated
        #expect(!ByteBuffer(bytes: [0x41, 0xC0, 0x80]).isValidUTF8)  // overlong
    }
}
