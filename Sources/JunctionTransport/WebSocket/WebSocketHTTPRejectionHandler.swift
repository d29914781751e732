import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Answers every HTTP request that was not upgraded with a short error response, then closes;
/// and closes connections that do not complete an upgrade request within the upgrade timeout.
///
/// `HTTPServerUpgradeHandler` passes a request on when it is not an upgrade or when our
/// `shouldUpgrade` refused it; without this handler such a request would hang. The response
/// names the actual problem (404 wrong path, 426 plain GET, 400 no WAMP subprotocol, 503 the
/// listener is full, ...). Removed from the pipeline on a successful upgrade, which also cancels
/// the timeout.
final class WebSocketHTTPRejectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let name = "junction.websocket.http-rejection"

    /// How a refused request is explained.
    enum Endpoint {
        /// A WAMP endpoint: `WebSocketUpgradeDecision` (including the subprotocol).
        case wamp
        /// The echo endpoint: only the WebSocket handshake checks.
        case echo
        /// Every request gets this answer (e.g. 503 when the connection limit is reached).
        case refuseAll(WebSocketUpgradeDecision.Rejection)
    }

    private enum State {
        case idle
        case awaitingEnd(WebSocketUpgradeDecision.Rejection)
        case responded
    }

    private let configuration: WebSocketConfiguration
    private let endpoint: Endpoint
    private var state: State = .idle
    private var timeout: Scheduled<Void>?

    init(configuration: WebSocketConfiguration, endpoint: Endpoint = .wamp) {
        self.configuration = configuration
        self.endpoint = endpoint
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            self.scheduleTimeout(context: context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.scheduleTimeout(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timeout?.cancel()
        self.timeout = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (Self.unwrapInboundIn(data), self.state) {
        case (.head(let head), .idle):
            self.state = .awaitingEnd(self.rejection(for: head))
        case (.end, .awaitingEnd(let rejection)):
            self.state = .responded
            self.respond(rejection, context: context)
        case (.head, _), (.body, _), (.end, _):
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The upgrader reports a refused upgrade as an error before passing the request on to
        // us; we answer that request, so the error is expected.
        if error is NIOWebSocketUpgradeError {
            return
        }
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    private func rejection(for head: HTTPRequestHead) -> WebSocketUpgradeDecision.Rejection {
        let rejection: WebSocketUpgradeDecision.Rejection?
        switch self.endpoint {
        case .wamp:
            if case .reject(let reason) = WebSocketUpgradeDecision(request: head, configuration: self.configuration) {
                rejection = reason
            } else {
                rejection = nil
            }
        case .echo:
            rejection = WebSocketUpgradeDecision.handshakeRejection(request: head, configuration: self.configuration)
        case .refuseAll(let reason):
            rejection = reason
        }
        // `nil`: the request looked fine to us but the upgrader still refused it (for example a
        // malformed header it checks itself).
        return rejection ?? .init(status: .badRequest, message: "WebSocket upgrade failed")
    }

    private func scheduleTimeout(context: ChannelHandlerContext) {
        guard self.timeout == nil, let delay = self.configuration.upgradeTimeout else {
            return
        }
        self.timeout = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            if case .responded = self.state {
                return
            }
            context.fireErrorCaught(
                TransportError(code: .upgradeTimeout, detail: "no WebSocket upgrade request within \(delay)")
            )
            context.close(promise: nil)
        }
    }

    private func respond(_ rejection: WebSocketUpgradeDecision.Rejection, context: ChannelHandlerContext) {
        var body = context.channel.allocator.buffer(capacity: rejection.message.utf8.count + 1)
        body.writeString(rejection.message)
        body.writeString("\n")
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Connection", value: "close")
        if rejection.status == .upgradeRequired {
            headers.add(name: "Upgrade", value: "websocket")
            headers.add(name: "Sec-WebSocket-Version", value: "13")
        }
        let head = HTTPResponseHead(version: .http1_1, status: rejection.status, headers: headers)
        context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil)))
            .assumeIsolated()
            .whenComplete { _ in context.close(promise: nil) }
    }
}

@available(*, unavailable)
extension WebSocketHTTPRejectionHandler: Sendable {}
