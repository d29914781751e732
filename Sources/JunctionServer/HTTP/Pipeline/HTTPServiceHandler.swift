import JunctionTransport
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Answers the HTTP requests of a listener that are not WebSocket upgrades: routes each by its
/// path through the listener's current `HTTPRoutes` (read per request, so a reload applies to the
/// next request), reads its body up to the service's limit, and writes the service's response.
///
/// Keep-alive connections are served one request at a time (`HTTPServerPipelineHandler` holds
/// pipelined requests back until the response is written). A connection that does not complete
/// its next request (head and body) within the idle timeout is closed. Bad input never reaches a service: an
/// oversized body is answered with 413 and the connection closed; malformed HTTP is answered by
/// NIO's `HTTPServerProtocolErrorHandler` with 400.
final class HTTPServiceHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let name = "junction.http.service"

    private enum State {
        /// Between requests.
        case idle
        /// Reading the body of a request for `service`.
        case receiving(head: HTTPRequestHead, service: any HTTPService, subpath: Substring, body: ByteBuffer)
        /// The answer is known from the head; sent once the request ends.
        case answering(head: HTTPRequestHead, service: String, response: HTTPServiceResponse, close: Bool)
        /// The service is working on the request.
        case responding
        /// A response that closes the connection was sent; the rest of the input is ignored.
        case closing
    }

    private let table: HTTPServiceTable
    private let webSocket: WebSocketConfiguration
    private let requestMetrics: HTTPRequestMetrics
    private let isTLS: Bool
    private let idleTimeout: TimeAmount
    private let logger: Logger
    private var state: State = .idle
    private var timeout: Scheduled<Void>?

    init(
        table: HTTPServiceTable,
        webSocket: WebSocketConfiguration,
        requestMetrics: HTTPRequestMetrics,
        isTLS: Bool,
        idleTimeout: TimeAmount,
        logger: Logger
    ) {
        self.table = table
        self.webSocket = webSocket
        self.requestMetrics = requestMetrics
        self.isTLS = isTLS
        self.idleTimeout = idleTimeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.scheduleTimeout(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.scheduleTimeout(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.cancelTimeout()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A refused WebSocket upgrade is passed on to us as a plain request, which we answer.
        if error is NIOWebSocketUpgradeError { return }
        self.logger.debug("http connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = Self.unwrapInboundIn(data)
        switch (part, self.state) {
        case (.head(let head), .idle):
            self.received(head, context: context)
        case (.body(var chunk), .receiving(let head, let service, let subpath, var body)):
            guard body.readableBytes + chunk.readableBytes <= service.bodyLimit else {
                let length = body.readableBytes + chunk.readableBytes
                self.state = .closing
                self.write(
                    service.tooLarge(request: head, length: length),
                    for: head,
                    service: service.name,
                    close: true,
                    context: context
                )
                return
            }
            self.state = .responding  // no copy-on-write of `body` while it is appended to
            body.writeBuffer(&chunk)
            self.state = .receiving(head: head, service: service, subpath: subpath, body: body)
        case (.end, .receiving(let head, let service, let subpath, let body)):
            self.cancelTimeout()
            self.state = .responding
            self.dispatch(head: head, service: service, subpath: subpath, body: body, context: context)
        case (.end, .answering(let head, let service, let response, let close)):
            self.cancelTimeout()
            self.state = close ? .closing : .responding
            self.write(response, for: head, service: service, close: close, context: context)
        case (.head, _), (.body, _), (.end, _):
            break
        }
    }

    private func received(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = HTTPRoutes.path(ofTarget: head.uri)
        guard let (route, subpath) = self.table.current.route(forPath: path) else {
            self.state = .answering(head: head, service: "none", response: .text(.notFound, "Not Found"), close: false)
            return
        }
        switch route {
        case .wamp:
            // Not upgraded: explain why, as the WAMP endpoint always has.
            let message: WebSocketUpgradeDecision.Rejection
            switch WebSocketUpgradeDecision(request: head, configuration: self.webSocket, checkingPath: false) {
            case .reject(let rejection): message = rejection
            case .upgrade:
                // Only the first request of a connection can upgrade (NIO's upgrader leaves after it).
                message = .init(
                    status: .badRequest,
                    message: "A WebSocket upgrade must be the first request on its connection"
                )
            }
            var headers = HTTPHeaders()
            if message.status == .upgradeRequired {
                headers.add(name: "Upgrade", value: "websocket")
                headers.add(name: "Sec-WebSocket-Version", value: "13")
            }
            self.state = .answering(
                head: head,
                service: "wamp",
                response: .text(message.status, message.message, headers: headers),
                close: true
            )
        case .mqtt:
            self.state = .answering(
                head: head,
                service: "mqtt",
                response: .text(
                    .upgradeRequired,
                    "MQTT over WebSocket: a WebSocket upgrade offering the subprotocol mqtt or mqttv3.1",
                    headers: ["Upgrade": "websocket", "Sec-WebSocket-Version": "13"]
                ),
                close: true
            )
        case .service(let service):
            let announced = head.headers["content-length"].first.flatMap { Int($0) } ?? 0
            if announced > service.bodyLimit {
                self.state = .closing
                self.write(
                    service.tooLarge(request: head, length: announced),
                    for: head,
                    service: service.name,
                    close: true,
                    context: context
                )
                return
            }
            self.state = .receiving(
                head: head,
                service: service,
                subpath: subpath,
                body: context.channel.allocator.buffer(capacity: min(announced, 1 << 20))
            )
        }
    }

    private func dispatch(
        head: HTTPRequestHead,
        service: any HTTPService,
        subpath: Substring,
        body: ByteBuffer,
        context: ChannelHandlerContext
    ) {
        let request = HTTPServiceRequest(
            head: head,
            subpath: subpath,
            body: body,
            remoteAddress: context.channel.remoteAddress,
            isTLS: self.isTLS
        )
        let promise = context.eventLoop.makePromise(of: HTTPServiceResponse.self)
        promise.completeWithTask { await service.respond(to: request) }
        promise.futureResult.assumeIsolated().whenSuccess { response in
            guard case .responding = self.state else { return }
            self.write(response, for: head, service: service.name, close: !head.isKeepAlive, context: context)
        }
    }

    private func write(
        _ response: HTTPServiceResponse,
        for request: HTTPRequestHead,
        service: String,
        close: Bool,
        context: ChannelHandlerContext
    ) {
        self.requestMetrics.record(service: service, status: response.status.code)
        if response.status.code >= 400 {
            // Refused input is logged with the client's address; 404 and 405 only at debug.
            let level: Logger.Level = [404, 405].contains(response.status.code) ? .debug : .info
            self.logger.log(
                level: level,
                "http request refused",
                metadata: [
                    "status": "\(response.status.code)", "service": "\(service)", "method": "\(request.method)",
                    "path": "\(HTTPRoutes.path(ofTarget: request.uri))",
                    "peer": "\(context.channel.remoteAddress.peerDescription(kind: .webSocket))",
                    "reason": "\(response.reason ?? response.status.reasonPhrase)",
                ]
            )
        }
        var headers = response.headers
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.readableBytes))
        let closing = close || !request.isKeepAlive
        if closing {
            headers.replaceOrAdd(name: "Connection", value: "close")
        } else if request.version.major == 1 && request.version.minor == 0 {
            headers.replaceOrAdd(name: "Connection", value: "keep-alive")
        }
        let head = HTTPResponseHead(version: request.version, status: response.status, headers: headers)
        // The state changes first: writing the end lets `HTTPServerPipelineHandler` deliver the
        // next pipelined request at once, re-entrantly.
        self.state = closing ? .closing : .idle
        context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
        if request.method != .HEAD && response.body.readableBytes > 0 {
            context.write(Self.wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        }
        let written = context.writeAndFlush(Self.wrapOutboundOut(.end(nil)))
        if closing {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else if case .idle = self.state {
            self.scheduleTimeout(context: context)
        }
    }

    private func scheduleTimeout(context: ChannelHandlerContext) {
        guard self.timeout == nil else { return }
        self.timeout = context.eventLoop.assumeIsolated().scheduleTask(in: self.idleTimeout) {
            self.timeout = nil
            // Only a service at work may take longer; a request still arriving may not.
            if case .responding = self.state { return }
            context.close(promise: nil)
        }
    }

    private func cancelTimeout() {
        self.timeout?.cancel()
        self.timeout = nil
    }
}

@available(*, unavailable)
extension HTTPServiceHandler: Sendable {}
