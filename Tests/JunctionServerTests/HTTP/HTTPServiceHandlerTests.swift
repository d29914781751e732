import JunctionMetrics
import JunctionTransport
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import JunctionServer

/// `HTTPServiceHandler` on an `EmbeddedChannel` with a virtual clock: the idle timeout.
@Suite struct HTTPServiceHandlerTests {
    func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        let handler = HTTPServiceHandler(
            table: HTTPServiceTable(HTTPRoutes(exact: ["/health": .service(ProbeService(kind: .health))], subtrees: [:])),
            webSocket: WebSocketConfiguration(),
            requestMetrics: HTTPRequestMetrics(factory: JunctionMetrics().factory),
            isTLS: false,
            idleTimeout: .seconds(30),
            logger: Logger(label: "test")
        )
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    @Test func anIdleConnectionIsClosed() throws {
        let channel = try self.channel()
        channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
    }

    @Test func aRequestThatNeverEndsIsClosedToo() throws {
        let channel = try self.channel()
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/health")
        head.headers.add(name: "Content-Length", value: "10")
        try channel.writeInbound(HTTPServerRequestPart.head(head))
        channel.embeddedEventLoop.advanceTime(by: .seconds(31))
        #expect(!channel.isActive)
    }

    @Test func anUnknownPathIsAnswered404AndTheConnectionStays() throws {
        let channel = try self.channel()
        try channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/x")))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        guard case .head(let response) = try channel.readOutbound(as: HTTPServerResponsePart.self) else {
            Issue.record("no response head")
            return
        }
        #expect(response.status == .notFound)
        #expect(channel.isActive)
        _ = try channel.finish(acceptAlreadyClosed: true)
    }
}
