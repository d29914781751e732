import NIOCore

/// Turns the byte stream after a successful RawSocket handshake into `RawSocketFrame`s.
///
/// Glue around `RawSocketFrameParser`; wrap it in a `ByteToMessageHandler`. A malformed or
/// oversized frame is thrown as a `TransportError`, which `ByteToMessageHandler` fires through
/// `errorCaught`; `RawSocketWAMPHandler` then closes the connection.
public struct RawSocketFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = RawSocketFrame

    private var parser: RawSocketFrameParser

    /// - Parameter maxPayloadLength: the maximum message length we advertised in the handshake.
    /// - Parameter limit: a lower limit until the session is established.
    public init(maxPayloadLength: Int, limit: InboundMessageLimit? = nil) {
        self.parser = RawSocketFrameParser(maxPayloadLength: maxPayloadLength, limit: limit)
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        while true {
            switch try self.parser.parseStep(&buffer) {
            case .result(let frame):
                context.fireChannelRead(Self.wrapInboundOut(frame))
                return .continue
            case .continueParsing:
                continue
            case .insufficientData:
                return .needMoreData
            }
        }
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        // A partial frame at EOF is dropped: the peer is gone, nobody to tell.
        try self.decode(context: context, buffer: &buffer)
    }
}
