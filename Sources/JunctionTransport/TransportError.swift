/// Something went wrong below the WAMP session: a failed handshake, a broken frame, an oversized
/// message. Transport handlers fire these through `fireErrorCaught` so the server can log them.
///
/// `closesConnection` tells the reader whether the transport is already tearing the connection
/// down (`true`) or merely reports something it handled (`false`, e.g. an outgoing message that
/// was dropped because it exceeds the peer's limit). A session handler should not close the
/// connection because of a `TransportError`: the transport has already done what is needed.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Opaque, comparable reason. New codes may be added without breaking callers.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case notRawSocket = "not_rawsocket"
            case handshakeRejected = "handshake_rejected"
            case handshakeTimeout = "handshake_timeout"
            case frameTooLarge = "frame_too_large"
            case invalidFrameHeader = "invalid_frame_header"
            case outboundMessageTooLarge = "outbound_message_too_large"
            case webSocketProtocolError = "websocket_protocol_error"
            case webSocketMessageTooLarge = "websocket_message_too_large"
            case webSocketInvalidUTF8 = "websocket_invalid_utf8"
            case pipelineSetupFailed = "pipeline_setup_failed"
            case peerUnresponsive = "peer_unresponsive"
            case upgradeTimeout = "upgrade_timeout"
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// RawSocket: the first octet was not the magic `0x7F`; closed without a reply.
        public static let notRawSocket = Code(.notRawSocket)
        /// RawSocket: we replied with a handshake error (unsupported serializer, length, reserved
        /// bits, connection limit) and closed.
        public static let handshakeRejected = Code(.handshakeRejected)
        /// RawSocket: the client did not complete its 4-octet handshake in time.
        public static let handshakeTimeout = Code(.handshakeTimeout)
        /// RawSocket: a frame announced more bytes than we advertised in the handshake.
        public static let frameTooLarge = Code(.frameTooLarge)
        /// RawSocket: reserved bits or a reserved frame type in a frame header.
        public static let invalidFrameHeader = Code(.invalidFrameHeader)
        /// An outgoing message is longer than the peer accepts; it was not sent.
        public static let outboundMessageTooLarge = Code(.outboundMessageTooLarge)
        /// WebSocket: a protocol error; closed with status 1002.
        public static let webSocketProtocolError = Code(.webSocketProtocolError)
        /// WebSocket: a frame or reassembled message exceeds our limit; closed with status 1009.
        public static let webSocketMessageTooLarge = Code(.webSocketMessageTooLarge)
        /// WebSocket: a text message (or close reason) is not valid UTF-8; closed with status 1007.
        public static let webSocketInvalidUTF8 = Code(.webSocketInvalidUTF8)
        /// The pipeline could not be rearranged after a successful handshake.
        public static let pipelineSetupFailed = Code(.pipelineSetupFailed)
        /// The peer sent nothing, not even an answer to our ping, within the ping timeout; closed.
        public static let peerUnresponsive = Code(.peerUnresponsive)
        /// WebSocket: no complete HTTP upgrade request arrived in time; closed.
        public static let upgradeTimeout = Code(.upgradeTimeout)

        public var description: String { self.base.rawValue }
    }

    public var code: Code
    /// Human readable details for logs.
    public var detail: String
    /// Whether the transport closes the connection because of this error.
    public var closesConnection: Bool

    public init(code: Code, detail: String, closesConnection: Bool = true) {
        self.code = code
        self.detail = detail
        self.closesConnection = closesConnection
    }

    public var description: String { "\(self.code): \(self.detail)" }
}
