import NIOCore
import WAMPCore

/// What a RawSocket connection does with frames and messages once the handshake is done.
///
/// Pure logic, driven by `RawSocketWAMPHandler`: WAMP message frames become `TransportInbound`,
/// PINGs are answered with a PONG echoing the payload, PONGs are ignored. Outgoing messages
/// longer than the client's advertised limit are refused (the spec leaves the choice to the
/// router: we do not send them and report it, so the router can drop or replace the message;
/// the connection stays up). A framing error fails the connection; afterwards everything is
/// ignored.
struct RawSocketConnectionStateMachine {
    enum FrameAction {
        case deliver(TransportInbound)
        case sendPong(ByteBuffer)
        case ignore
    }

    enum WriteAction: Equatable {
        case write
        case refuse(TransportError)
    }

    enum ErrorAction: Equatable {
        /// Close the channel and pass the error on.
        case closeAndForward
        /// Only pass the error on.
        case forward
    }

    private enum State {
        case open
        case failed
    }

    private var state: State = .open
    let serializer: any WAMPSerializer
    /// The client's limit from its handshake request.
    let peerMaxMessageLength: Int

    init(serializer: SerializerKind, peerMaxMessageLength: Int) {
        self.serializer = serializer.serializer
        self.peerMaxMessageLength = peerMaxMessageLength
    }

    mutating func frameReceived(_ frame: RawSocketFrame) -> FrameAction {
        guard case .open = self.state else {
            return .ignore
        }
        switch frame.kind {
        case .message:
            return .deliver(TransportInbound(decoding: frame.payload, serializer: self.serializer))
        case .ping:
            // A PING payload we accepted fits our limit, but it must also fit the client's.
            guard frame.payload.readableBytes <= self.peerMaxMessageLength else {
                return .ignore
            }
            return .sendPong(frame.payload)
        case .pong:
            return .ignore
        }
    }

    /// May a message of `length` serialized bytes be sent?
    func messageWillBeWritten(length: Int) -> WriteAction {
        guard length <= self.peerMaxMessageLength else {
            return .refuse(
                TransportError(
                    code: .outboundMessageTooLarge,
                    detail: "message of \(length) bytes exceeds the client's maximum of \(self.peerMaxMessageLength)",
                    closesConnection: false
                )
            )
        }
        return .write
    }

    mutating func errorCaught(_ error: any Error) -> ErrorAction {
        guard let error = error as? TransportError, error.closesConnection else {
            return .forward
        }
        guard case .open = self.state else {
            return .forward
        }
        self.state = .failed
        return .closeAndForward
    }
}
