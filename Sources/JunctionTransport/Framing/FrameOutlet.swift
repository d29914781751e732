import NIOCore

/// A shortcut for messages the session layer has framed itself (`TransportOutbound.framed` and
/// `.prefixed`): their bytes are written straight to the context below the transport handler.
///
/// Going through the pipeline costs, per message and receiver, a pass through the transport
/// handler and a dynamic cast of `NIOAny` back to `TransportOutbound` (together about a tenth
/// of the router's time when fanning out). The transport keeps the say over what may be
/// written: every write asks its `FrameGate` first, and a refused frame is sent the normal way,
/// where the transport refuses it with the error it always gives.
///
/// Handed to the session layer, once its session is established, in a `FrameOutletEvent`.
/// Used on the channel's event loop only.
public final class FrameOutlet {
    private let gate: any FrameGate
    private let context: ChannelHandlerContext

    init(gate: any FrameGate, context: ChannelHandlerContext) {
        self.gate = gate
        self.context = context
    }

    /// Writes `frame` (prefix and payload of `payloadLength` bytes) unless the transport refuses
    /// it; false means nothing was written.
    public func write(_ frame: ByteBuffer, payloadLength: Int) -> Bool {
        guard self.gate.admitsFrame(payloadLength: payloadLength) else { return false }
        self.context.write(NIOAny(frame), promise: nil)
        return true
    }
}

@available(*, unavailable)
extension FrameOutlet: Sendable {}

/// A transport handler's rule for frames written past it.
protocol FrameGate: AnyObject {
    /// Whether a message of `payloadLength` bytes may go out now (the connection is open and the
    /// peer accepts messages that long).
    func admitsFrame(payloadLength: Int) -> Bool
}

/// Fired inbound by a transport handler when the session layer tells it the session is
/// established (`SessionEstablishedEvent`): from then on the session may write framed messages
/// through the outlet.
public struct FrameOutletEvent {
    public let outlet: FrameOutlet
}

@available(*, unavailable)
extension FrameOutletEvent: Sendable {}
