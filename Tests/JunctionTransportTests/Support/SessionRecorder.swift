import NIOCore
import WAMPCore

@testable import JunctionTransport

/// Stands in for the session handler: records what the transport delivers and passes inbound
/// values on, so tests can read them with `EmbeddedChannel.readInbound`.
final class SessionRecorder: ChannelInboundHandler {
    typealias InboundIn = TransportInbound
    typealias InboundOut = TransportInbound

    private(set) var readyEvents: [TransportInfo] = []
    /// Outlets handed over by the transport (`FrameOutletEvent`).
    private(set) var outlets: [FrameOutlet] = []
    private(set) var errors: [any Error] = []
    /// Whether a message arrived before the `TransportReadyEvent`.
    private(set) var messageBeforeReady = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if self.readyEvents.isEmpty {
            self.messageBeforeReady = true
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let ready = event as? TransportReadyEvent {
            self.readyEvents.append(ready.info)
        }
        if let event = event as? FrameOutletEvent {
            self.outlets.append(event.outlet)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.errors.append(error)
    }

    var transportErrors: [TransportError] {
        self.errors.compactMap { $0 as? TransportError }
    }
}
