import NIOCore
import WAMPCore

/// Receives what a connection produces: messages, readiness, its end. Implemented by the client
/// runtime; every call names the connection so events of an old connection are ignored.
protocol ClientConnectionDelegate: AnyObject, Sendable {
    func connection(_ id: UInt64, received message: WAMPMessage)
    func connectionClosed(_ id: UInt64, error: (any Error)?)
}

/// The last handler of a client pipeline: forwards messages to the runtime and completes the
/// `ready` promise when the transport says WAMP can flow. No protocol logic lives here.
final class ClientSessionHandler: ChannelInboundHandler {
    typealias InboundIn = WAMPMessage

    private let id: UInt64
    private let delegate: any ClientConnectionDelegate
    private let ready: EventLoopPromise<Void>
    private var error: (any Error)?

    init(id: UInt64, delegate: any ClientConnectionDelegate, ready: EventLoopPromise<Void>) {
        self.id = id
        self.delegate = delegate
        self.ready = ready
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.delegate.connection(self.id, received: self.unwrapInboundIn(data))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ClientTransportReady {
            self.ready.succeed()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if self.error == nil { self.error = error }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Completing a promise twice is a no-op in NIO, so this is safe after `succeed`.
        self.ready.fail(self.error ?? WAMPClientError(.transport, "connection closed during the handshake"))
        self.delegate.connectionClosed(self.id, error: self.error)
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension ClientSessionHandler: Sendable {}
