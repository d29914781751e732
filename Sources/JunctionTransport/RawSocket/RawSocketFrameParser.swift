import NIOCore

/// Incremental, resumable parser for RawSocket frames (see `RawSocketFrame` for the format).
///
/// Keeps the decoded header between calls so a frame arriving in many reads is parsed once, in
/// the style of swift-nio's `WSParser`. Any header that breaks the format, or announces more than
/// we advertised in the handshake, is an error: the spec says to fail the connection.
struct RawSocketFrameParser: Sendable {
    enum ParseResult: Sendable, Hashable {
        case insufficientData
        case continueParsing
        case result(RawSocketFrame)
    }

    private enum State: Sendable {
        case header
        case payload(kind: RawSocketFrame.Kind, length: Int)
    }

    private var state: State = .header
    /// The largest payload we accept: the length we advertised in the handshake reply.
    let maxPayloadLength: Int
    /// A lower limit that applies until the session is established, if any.
    let limit: InboundMessageLimit?

    init(maxPayloadLength: Int, limit: InboundMessageLimit? = nil) {
        self.maxPayloadLength = maxPayloadLength
        self.limit = limit
    }

    mutating func parseStep(_ buffer: inout ByteBuffer) throws(TransportError) -> ParseResult {
        switch self.state {
        case .header:
            guard let prefix = buffer.readInteger(as: UInt32.self) else {
                return .insufficientData
            }
            let first = UInt8(truncatingIfNeeded: prefix >> 24)
            var length = Int(prefix & 0x00FF_FFFF)
            guard first & 0xF0 == 0 else {
                throw TransportError(
                    code: .invalidFrameHeader,
                    detail: "reserved bits set in frame prefix 0x\(String(prefix, radix: 16))"
                )
            }
            if first & 0x08 != 0 {
                guard length == 0 else {
                    throw TransportError(
                        code: .invalidFrameHeader,
                        detail: "25th length bit set with a non-zero 24-bit length"
                    )
                }
                length = RawSocketFrame.maxPayloadLength
            }
            guard let kind = RawSocketFrame.Kind(rawValue: first & 0x07) else {
                throw TransportError(code: .invalidFrameHeader, detail: "reserved frame type \(first & 0x07)")
            }
            guard length <= self.maxPayloadLength else {
                throw TransportError(
                    code: .frameTooLarge,
                    detail: "frame of \(length) bytes exceeds the advertised maximum of \(self.maxPayloadLength)"
                )
            }
            if let limit = self.limit, kind == .message, length > limit.current {
                throw TransportError(
                    code: .frameTooLarge,
                    detail: "frame of \(length) bytes exceeds the maximum of \(limit.current) before the session is established"
                )
            }
            self.state = .payload(kind: kind, length: length)
            return .continueParsing

        case .payload(let kind, let length):
            guard let payload = buffer.readSlice(length: length) else {
                return .insufficientData
            }
            self.state = .header
            return .result(RawSocketFrame(kind: kind, payload: payload))
        }
    }
}
