import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Answers every HTTP request that was not upgraded with a short error response, then closes.
///
/// `HTTPServerUpgradeHandler` passes a request on when it is not an upgrade or when our
/// `shouldUpgrade` refused it; without this handler such a request would hang. The response
/// comes from `WebSocketUpgradeDecision`, so it names the actual problem (404 wrong path,
/// 426 plain GET, 400 no WAMP subprotocol, ...). Removed from the pipeline on a successful upgrade.
final class WebSocketHTTPRejectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let name = "junction.websocket.http-rejection"

    private enum State {
        case idle
        case awaitingEnd(WebSocketUpgradeDecision.Rejection)
        case responded
    }

    private let configuration: WebSocketConfiguration
    private var state: State = .idle

    init(configuration: WebSocketConfiguration) {
        self.configuration = configuration
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (Self.unwrapInboundIn(data), self.state) {
        case (.head(let head), .idle):
            switch WebSocketUpgradeDecision(request: head, configuration: self.configuration) {
            case .reject(let rejection):
                self.state = .awaitingEnd(rejection)
            case .upgrade:
                // The request looked fine to us but the upgrader still refused it (for example
                // a malformed header it checks itself).
                self.state = .awaitingEnd(.init(status: .badRequest, message: "WebSocket upgrade failed"))
            }
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
