import NIOCore
import NIOWebSocket
import WAMPCore

/// The WAMP side of an upgraded WebSocket connection, as a pure state machine.
///
/// Receives whole messages (fragments are already reassembled by `NIOWebSocketFrameAggregator`)
/// and control frames, and decides:
/// - `wamp.2.json*` needs text messages, `wamp.2.msgpack*`/`wamp.2.cbor*` binary ones; the wrong
///   type is a WAMP protocol violation (the session layer ABORTs). Text must be UTF-8 (else 1007).
/// - batched subprotocols carry several messages per WebSocket message (`WebSocketBatchFraming`).
/// - PING is answered with a PONG carrying the same payload; PONG is ignored.
/// - a peer's Close is answered with a Close echoing its status code, then the connection closes.
/// - frame decoder and aggregator errors close with 1002 (protocol error) or 1009 (too big).
/// - when the session closes the channel we send Close 1000 first, then close the connection
///   (we do not wait for the peer's Close: RFC 6455 lets the server close TCP first).
struct WebSocketWAMPStateMachine {
    /// Close the connection with `closeCode` and report `error`.
    struct Failure {
        var closeCode: WebSocketErrorCode
        var error: TransportError
    }

    enum FrameAction {
        case deliver(TransportInbound)
        case deliverBatch([TransportInbound])
        case sendPong(ByteBuffer)
        /// Answer the peer's Close (echoing `code`, or an empty body if it sent none), then close.
        case replyToClose(WebSocketErrorCode?)
        /// Send Close with the failure's code, report its error, close.
        case fail(Failure)
        case ignore
    }

    enum ErrorAction {
        case fail(Failure)
        case forward
    }

    enum CloseAction: Equatable {
        /// Send Close with this code (1000, or the code a delivered violation calls for), then
        /// close the channel.
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

    private var state: State = .open
    /// A message that broke WebSocket rules the WAMP layer also cares about (invalid UTF-8, wrong
    /// frame type) is delivered as a violation so the session can ABORT; the close that follows
    /// then carries the WebSocket code for it (1007, 1003) instead of 1000.
    private var closeCodeAfterViolation: WebSocketErrorCode?
    /// JSON batch record separator: the spec's `0x1E` unless the peer's first batch used
    /// autobahn-python's `0x18` (see `WebSocketBatchFraming`).
    private(set) var recordSeparator: UInt8 = WebSocketBatchFraming.recordSeparator
    private var sawBatch = false
    let subprotocol: WAMPWebSocketSubprotocol
    let serializer: any WAMPSerializer
    let maxMessageSize: Int

    init(subprotocol: WAMPWebSocketSubprotocol, maxMessageSize: Int) {
        self.subprotocol = subprotocol
        self.serializer = subprotocol.serializer.serializer
        self.maxMessageSize = maxMessageSize
    }

    /// The frame type every WAMP message on this connection travels in.
    var dataOpcode: WebSocketOpcode {
        self.subprotocol.serializer == .json ? .text : .binary
    }

    mutating func frameReceived(_ frame: WebSocketFrame) -> FrameAction {
        guard case .open = self.state else {
            return .ignore
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
            return self.dataReceived(opcode: frame.opcode, data: frame.unmaskedData)
        case .ping:
            return .sendPong(frame.unmaskedData)
        case .pong:
            return .ignore
        case .connectionClose:
            return self.closeReceived(frame.unmaskedData)
        default:
            return .fail(self.failure(.protocolError, .webSocketProtocolError, "unexpected opcode \(frame.opcode)"))
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
        if let error = error as? NIOWebSocketFrameAggregator.Error {
            switch error {
            case .accumulatedFrameSizeIsTooLarge, .tooManyFragments:
                return .fail(self.failure(.messageTooLarge, .webSocketMessageTooLarge, "message too large (\(error))"))
            case .nonFinalFragmentSizeIsTooSmall, .receivedNewFrameWithoutFinishingPrevious,
                .didReceiveFragmentBeforeReceivingTextOrBinaryFrame:
                return .fail(self.failure(.protocolError, .webSocketProtocolError, "bad fragmentation (\(error))"))
            }
        }
        return .forward
    }

    /// The session (or the server) closes the channel.
    mutating func closeRequested() -> CloseAction {
        guard case .open = self.state else {
            return .closeNow
        }
        self.state = .closing
        return .sendCloseThenClose(self.closeCodeAfterViolation ?? .normalClosure)
    }

    func messageWillBeWritten() -> WriteAction {
        guard case .open = self.state else {
            return .drop
        }
        return .write
    }

    private mutating func dataReceived(opcode: WebSocketOpcode, data: ByteBuffer) -> FrameAction {
        guard data.readableBytes <= self.maxMessageSize else {
            return .fail(
                self.failure(
                    .messageTooLarge,
                    .webSocketMessageTooLarge,
                    "message of \(data.readableBytes) bytes exceeds the maximum of \(self.maxMessageSize)"
                )
            )
        }
        if opcode == .text && !data.isValidUTF8 {
            self.closeCodeAfterViolation = .dataInconsistentWithMessage
            return .deliver(.violation(ProtocolViolation("text message is not valid UTF-8")))
        }
        guard opcode == self.dataOpcode else {
            self.closeCodeAfterViolation = .unacceptableData
            return .deliver(
                .violation(
                    ProtocolViolation(
                        "\(self.subprotocol) requires \(self.dataOpcode == .text ? "text" : "binary") messages"
                    )
                )
            )
        }
        guard self.subprotocol.batched else {
            return .deliver(TransportInbound(decoding: data, serializer: self.serializer))
        }
        if !self.sawBatch {
            self.sawBatch = true
            if self.subprotocol.serializer == .json,
                data.readableBytesView.last == WebSocketBatchFraming.autobahnPythonRecordSeparator
            {
                self.recordSeparator = WebSocketBatchFraming.autobahnPythonRecordSeparator
            }
        }
        let split = WebSocketBatchFraming.split(
            data,
            serializer: self.subprotocol.serializer,
            recordSeparator: self.recordSeparator
        )
        switch split {
        case .success(let parts):
            return .deliverBatch(parts.map { TransportInbound(decoding: $0, serializer: self.serializer) })
        case .failure(let violation):
            return .deliver(.violation(violation))
        }
    }

    private mutating func closeReceived(_ data: ByteBuffer) -> FrameAction {
        var data = data
        guard data.readableBytes > 0 else {
            self.state = .closing
            return .replyToClose(nil)
        }
        guard let code = data.readInteger(as: UInt16.self), Self.isValidReceivedCloseCode(code) else {
            return .fail(self.failure(.protocolError, .webSocketProtocolError, "invalid close frame status code"))
        }
        guard data.isValidUTF8 else {
            return .fail(
                self.failure(.dataInconsistentWithMessage, .webSocketInvalidUTF8, "close reason is not valid UTF-8")
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
