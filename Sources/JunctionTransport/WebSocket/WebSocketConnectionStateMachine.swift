import NIOCore
import NIOWebSocket

/// The RFC 6455 rules of an upgraded server-side WebSocket connection, as a pure state machine.
///
/// Shared by every WebSocket endpoint (the WAMP pipeline and the conformance echo), so what
/// Autobahn|Testsuite checks against the echo is exactly what WAMP clients get. It receives raw
/// frames from `WebSocketFrameDecoder` and decides:
/// - client frames must be masked and use no reserved bits or opcodes (else 1002);
/// - fragments are reassembled here (continuation without a start, or a new message before the
///   last one finished, is 1002), within `maxMessageSize` bytes and `maxFragmentsPerMessage`
///   frames (else 1009); control frames may arrive between fragments;
/// - text must be UTF-8, checked fragment by fragment so a bad one fails at once (1007);
/// - Ping is answered with a Pong carrying the same payload; Pong is ignored;
/// - a peer's Close (status code and UTF-8 reason validated, else 1002/1007) is answered with a
///   Close echoing its code, then the connection closes;
/// - decoder errors close with 1002 (protocol error) or 1009 (frame too big);
/// - when the layer above closes we send Close (1000, or the code a delivered violation called
///   for), then close TCP without waiting for the peer's Close (RFC 6455 lets the server do that).
struct WebSocketConnectionStateMachine {
    /// Close the connection with `closeCode` and report `error`.
    struct Failure {
        var closeCode: WebSocketErrorCode
        var error: TransportError
    }

    enum FrameAction {
        /// A complete text or binary message (text already validated as UTF-8).
        case message(opcode: WebSocketOpcode, data: ByteBuffer)
        case sendPong(ByteBuffer)
        /// Answer the peer's Close (echoing `code`, or an empty body if it sent none), then close.
        case replyToClose(WebSocketErrorCode?)
        /// Send Close with the failure's code, report its error, close.
        case fail(Failure)
        /// A Pong, a fragment of an unfinished message, or anything after a Close.
        case ignore
    }

    enum ErrorAction {
        case fail(Failure)
        case forward
    }

    enum CloseAction: Equatable {
        /// Send Close with this code, then close the channel.
        case sendCloseThenClose(WebSocketErrorCode)
        /// A Close frame is already out (or we failed); just close.
        case closeNow
    }

    enum WriteAction: Equatable {
        case write
        /// The connection is closing; drop the message.
        case drop
    }

    private enum State {
        case open
        /// We sent or answered a Close frame; the channel is being closed.
        case closing
    }

    /// A fragmented message being reassembled.
    private struct Assembly {
        var opcode: WebSocketOpcode
        var data: ByteBuffer
        var fragments: Int
        var utf8: UTF8StreamValidator
    }

    private var state: State = .open
    private var assembly: Assembly?
    /// Set when the layer above was handed a message it must reject (e.g. WAMP's wrong frame
    /// type); the close that follows then carries this code instead of 1000.
    private var closeCodeAfterViolation: WebSocketErrorCode?
    /// The limit in force: `preSessionMaxMessageSize` until `sessionEstablished()`.
    private(set) var maxMessageSize: Int
    let establishedMaxMessageSize: Int
    let maxFragmentsPerMessage: Int

    init(maxMessageSize: Int, maxFragmentsPerMessage: Int, preSessionMaxMessageSize: Int? = nil) {
        self.establishedMaxMessageSize = maxMessageSize
        self.maxMessageSize = min(preSessionMaxMessageSize ?? maxMessageSize, maxMessageSize)
        self.maxFragmentsPerMessage = maxFragmentsPerMessage
    }

    /// The session layer established the session: the full message size applies.
    mutating func sessionEstablished() {
        self.maxMessageSize = self.establishedMaxMessageSize
    }

    var isOpen: Bool {
        if case .open = self.state { return true }
        return false
    }

    mutating func frameReceived(_ frame: WebSocketFrame) -> FrameAction {
        guard case .open = self.state else {
            return .ignore
        }
        guard frame.maskKey != nil else {
            return .fail(
                self.failure(.protocolError, .webSocketProtocolError, "client frame is not masked")
            )
        }
        guard frame.reservedBits.isEmpty else {
            return .fail(
                self.failure(
                    .protocolError,
                    .webSocketProtocolError,
                    "reserved bits set without a negotiated extension"
                )
            )
        }
        switch frame.opcode {
        case .text, .binary:
            return self.messageStarted(frame)
        case .continuation:
            return self.continuationReceived(frame)
        case .ping:
            return .sendPong(frame.unmaskedData)
        case .pong:
            return .ignore
        case .connectionClose:
            return self.closeReceived(frame.unmaskedData)
        default:
            return .fail(
                self.failure(.protocolError, .webSocketProtocolError, "reserved opcode \(frame.opcode)")
            )
        }
    }

    mutating func errorCaught(_ error: any Error) -> ErrorAction {
        guard case .open = self.state else {
            return .forward
        }
        if let error = error as? NIOWebSocketError {
            switch error {
            case .invalidFrameLength:
                return .fail(self.failure(.messageTooLarge, .webSocketMessageTooLarge, "frame too large"))
            case .fragmentedControlFrame, .multiByteControlFrameLength:
                return .fail(self.failure(.protocolError, .webSocketProtocolError, "\(error)"))
            }
        }
        return .forward
    }

    /// The layer above was handed a violation; close with `closeCode` when it closes.
    mutating func violationDelivered(closeCode: WebSocketErrorCode) {
        self.closeCodeAfterViolation = closeCode
    }

    /// The layer above (or the server) closes the channel.
    mutating func closeRequested() -> CloseAction {
        guard case .open = self.state else {
            return .closeNow
        }
        self.state = .closing
        return .sendCloseThenClose(self.closeCodeAfterViolation ?? .normalClosure)
    }

    /// The peer stopped answering: close without waiting for anything.
    mutating func peerIsDead() -> CloseAction {
        guard case .open = self.state else {
            return .closeNow
        }
        self.state = .closing
        return .sendCloseThenClose(.goingAway)
    }

    func messageWillBeWritten() -> WriteAction {
        guard case .open = self.state else {
            return .drop
        }
        return .write
    }

    private mutating func messageStarted(_ frame: WebSocketFrame) -> FrameAction {
        guard self.assembly == nil else {
            return .fail(
                self.failure(
                    .protocolError,
                    .webSocketProtocolError,
                    "new \(frame.opcode) frame before the fragmented message was finished"
                )
            )
        }
        let data = frame.unmaskedPayload
        if let failure = self.checkSize(data.readableBytes) {
            return .fail(failure)
        }
        var utf8 = UTF8StreamValidator()
        if frame.opcode == .text, !data.validateUTF8(with: &utf8) {
            return .fail(self.invalidUTF8())
        }
        guard frame.fin else {
            self.assembly = Assembly(opcode: frame.opcode, data: data, fragments: 1, utf8: utf8)
            return .ignore
        }
        if frame.opcode == .text, !utf8.isAtBoundary {
            return .fail(self.invalidUTF8())
        }
        return .message(opcode: frame.opcode, data: data)
    }

    private mutating func continuationReceived(_ frame: WebSocketFrame) -> FrameAction {
        guard var assembly = self.assembly else {
            return .fail(
                self.failure(
                    .protocolError,
                    .webSocketProtocolError,
                    "continuation frame without a message to continue"
                )
            )
        }
        self.assembly = nil
        assembly.fragments += 1
        guard assembly.fragments <= self.maxFragmentsPerMessage else {
            return .fail(
                self.failure(
                    .messageTooLarge,
                    .webSocketMessageTooLarge,
                    "message split into more than \(self.maxFragmentsPerMessage) fragments"
                )
            )
        }
        var fragment = frame.unmaskedPayload
        if let failure = self.checkSize(assembly.data.readableBytes + fragment.readableBytes) {
            return .fail(failure)
        }
        if assembly.opcode == .text, !fragment.validateUTF8(with: &assembly.utf8) {
            return .fail(self.invalidUTF8())
        }
        assembly.data.writeBuffer(&fragment)
        guard frame.fin else {
            self.assembly = assembly
            return .ignore
        }
        if assembly.opcode == .text, !assembly.utf8.isAtBoundary {
            return .fail(self.invalidUTF8())
        }
        return .message(opcode: assembly.opcode, data: assembly.data)
    }

    private mutating func checkSize(_ size: Int) -> Failure? {
        guard size > self.maxMessageSize else {
            return nil
        }
        return self.failure(
            .messageTooLarge,
            .webSocketMessageTooLarge,
            "message of at least \(size) bytes exceeds the maximum of \(self.maxMessageSize)"
        )
    }

    private mutating func invalidUTF8() -> Failure {
        self.failure(
            .dataInconsistentWithMessage,
            .webSocketInvalidUTF8,
            "text message is not valid UTF-8"
        )
    }

    private mutating func closeReceived(_ data: ByteBuffer) -> FrameAction {
        var data = data
        guard data.readableBytes > 0 else {
            self.state = .closing
            return .replyToClose(nil)
        }
        guard let code = data.readInteger(as: UInt16.self), Self.isValidReceivedCloseCode(code) else {
            return .fail(
                self.failure(.protocolError, .webSocketProtocolError, "invalid close frame status code")
            )
        }
        guard data.isValidUTF8 else {
            return .fail(
                self.failure(
                    .dataInconsistentWithMessage,
                    .webSocketInvalidUTF8,
                    "close reason is not valid UTF-8"
                )
            )
        }
        self.state = .closing
        return .replyToClose(WebSocketErrorCode(codeNumber: Int(code)))
    }

    private mutating func failure(
        _ code: WebSocketErrorCode,
        _ errorCode: TransportError.Code,
        _ detail: String
    ) -> Failure {
        self.state = .closing
        self.assembly = nil
        return Failure(closeCode: code, error: TransportError(code: errorCode, detail: detail))
    }

    /// Status codes a peer may put in a Close frame (RFC 6455 section 7.4 and the IANA registry):
    /// 1000-1003, 1007-1014 and the application ranges 3000-4999. 1004-1006 and 1015 are reserved
    /// and must never be sent.
    static func isValidReceivedCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: return true
        default: return false
        }
    }
}
