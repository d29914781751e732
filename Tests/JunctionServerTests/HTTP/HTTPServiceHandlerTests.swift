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
    func channel(logger: Logger = Logger(label: "test")) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        let handler = HTTPServiceHandler(
            table: HTTPServiceTable(
                HTTPRoutes(exact: ["/health": .service(ProbeService(kind: .health))], subtrees: [:])
            ),
            webSocket: WebSocketConfiguration(),
            requestMetrics: HTTPRequestMetrics(metrics: JunctionMetrics()),
            isTLS: false,
            idleTimeout: .seconds(30),
            logger: logger
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
        try channel.writeInbound(
            HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/x"))
        )
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        guard case .head(let response) = try channel.readOutbound(as: HTTPServerResponsePart.self) else {
            Issue.record("no response head")
            return
        }
        #expect(response.status == .notFound)
        #expect(channel.isActive)
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    @Test func anOversizedBodyIsRefusedClosedAndLogged() throws {
        let recorder = LogRecorder()
        let channel = try self.channel(logger: recorder.logger())
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/health?x=1")
        head.headers.add(name: "Content-Length", value: "1000000")
        try channel.writeInbound(HTTPServerRequestPart.head(head))
        guard case .head(let response) = try channel.readOutbound(as: HTTPServerResponsePart.self) else {
            Issue.record("no response head")
            return
        }
        #expect(response.status == .payloadTooLarge)
        #expect(response.headers["connection"] == ["close"])
        let entry = try #require(recorder.entries.first { $0.message == "http request refused" })
        #expect(entry.level == .info)
        #expect(entry.metadata["status"] == "413" && entry.metadata["path"] == "/health")
        #expect(entry.metadata["peer"] == "127.0.0.1:1")
        #expect(entry.metadata["reason"]?.contains("too large") == true)
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }
}
