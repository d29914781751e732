import Foundation
import JunctionRouter
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
import WAMPCore

@testable import JunctionServer

/// The outgoing event forwarder: its pure parts, and a live router posting to a local receiver
/// that refuses the first requests.
@Suite struct EventForwarderTests {
    @Test func backoffDoublesUpToTheMaximumAndStops() {
        let policy = ForwarderRetryPolicy(
            maxRetries: 5,
            initialBackoff: .milliseconds(100),
            maxBackoff: .milliseconds(500)
        )
        #expect(
            (1...6).map { policy.backoff(beforeRetry: $0) } == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(500), .milliseconds(500), nil,
            ]
        )
        #expect(ForwarderRetryPolicy(maxRetries: 0).backoff(beforeRetry: 1) == nil)
    }

    @Test func queueIsBoundedAndKeepsOrder() {
        var queue = ForwarderQueue<Int>(capacity: 3)
        #expect([1, 2, 3, 4].map { queue.offer($0) } == [true, true, true, false])
        #expect(queue.dropped == 1)
        #expect(queue.next() == 1)
        let offered = queue.offer(5)
        #expect(offered)
        #expect([queue.next(), queue.next(), queue.next(), queue.next()] == [2, 3, 5, nil])
        for value in 0..<1000 {
            let accepted = queue.offer(value)
            #expect(accepted)
            #expect(queue.next() == value)
        }
        #expect(queue.isEmpty)
    }

    @Test func eventsArePostedInOrderAndRetried() async throws {
        let receiver = try await HTTPReceiver.start(failFirst: 2)
        let sleeps = NIOLockedValueBox<[Duration]>([])
        var configuration = JunctionConfiguration(realms: [.openRealm(named: "realm1")], transports: [])
        configuration.eventLoops = 1
        var logger = Logger(label: "test-forwarder")
        logger.logLevel = .critical
        let runtime = JunctionRuntime(configuration: configuration, logger: logger)
        let forwarder = EventForwarder(
            configuration: EventForwarderConfiguration(
                realm: "realm1",
                role: "anonymous",
                topic: "com.example.",
                match: .prefix,
                url: "http://127.0.0.1:\(receiver.port)/events",
                headers: ["X-Token": "t"],
                retry: ForwarderRetryPolicy(
                    maxRetries: 3,
                    initialBackoff: .milliseconds(1),
                    maxBackoff: .milliseconds(4)
                )
            ),
            runtime: runtime,
            sleep: { duration in sleeps.withLockedValue { $0.append(duration) } }
        )
        let running = Task { try await forwarder.run() }
        let realm = try #require(runtime.router.realm(named: "realm1"))
        let publisher = try await LocalSession.join(realm, authid: "p", authrole: "anonymous")
        // The forwarder subscribes asynchronously: publish until its first POST arrives.
        var first: UInt64?
        for _ in 0..<200 where receiver.requests.isEmpty {
            first = try await publisher.publish("com.example.a", args: [1], kwargs: ["k": "v"], acknowledge: true)
            try await Task.sleep(for: .milliseconds(10))
        }
        let bodies = try await receiver.waitFor(count: 3)
        try await publisher.publish("com.example.b", args: [2], acknowledge: true)
        // Earlier `com.example.a` events may be queued before it; it arrives after them.
        let all = try await receiver.waitFor { $0.last?.body.contains("com.example.b") == true }
        running.cancel()
        _ = try? await running.value
        await publisher.leave()
        try await receiver.stop()
        try? await runtime.eventLoopGroup.shutdownGracefully()

        // The first event was refused twice, then accepted; the same body each time.
        #expect(bodies[0].body == bodies[1].body && bodies[1].body == bodies[2].body)
        let firstEvent = try #require(try? JSONSerializer().decode(Array(bodies[2].body.utf8)))
        #expect(firstEvent["args"] == [1])
        #expect(firstEvent["kwargs"] == ["k": "v"])
        #expect(firstEvent["topic"] == "com.example.a")
        #expect(first != nil)
        #expect(bodies[0].headers["x-token"].first == "t")
        #expect(bodies[0].headers["content-type"].first == "application/json")
        let last = try #require(try? JSONSerializer().decode(Array(all.last!.body.utf8)))
        #expect(last["args"] == [2] && last["topic"] == "com.example.b")
        #expect(sleeps.withLockedValue { $0 }.prefix(2) == [.milliseconds(1), .milliseconds(2)])
    }

    @Test func forwardersSectionLoads() throws {
        let configuration = try ConfigurationLoader.load(
            yaml: """
                realms:
                  - name: realm1
                    roles: [{name: relay, permissions: [{uri: com.example., match: prefix, allow: [subscribe]}]}]
                transports:
                  - {type: rawsocket, port: 0}
                forwarders:
                  - realm: realm1
                    role: relay
                    topic: com.example.
                    match: prefix
                    url: https://hooks.example/in
                    headers: {Authorization: Bearer x}
                    max_retries: 2
                    backoff_initial_ms: 50
                    backoff_max_ms: 1000
                    queue_size: 10
                    timeout: 3
                """
        )
        let forwarder = try #require(configuration.forwarders.first)
        #expect(forwarder.match == .prefix && forwarder.url == "https://hooks.example/in")
        #expect(forwarder.headers == ["Authorization": "Bearer x"])
        #expect(
            forwarder.retry
                == ForwarderRetryPolicy(maxRetries: 2, initialBackoff: .milliseconds(50), maxBackoff: .seconds(1))
        )
        #expect(forwarder.queueSize == 10 && forwarder.timeoutSeconds == 3)
    }

    @Test(arguments: [
        ("realm: nowhere\n    role: relay\n    topic: a\n    url: http://x", "forwarders[0].realm"),
        ("realm: realm1\n    role: boss\n    topic: a\n    url: http://x", "forwarders[0].role"),
        ("realm: realm1\n    role: relay\n    topic: 'a..b'\n    url: http://x", "forwarders[0].topic"),
        ("realm: realm1\n    role: relay\n    topic: a\n    url: ftp://x", "forwarders[0].url"),
        ("realm: realm1\n    role: relay\n    topic: a\n    url: http://x\n    colour: red", "forwarders[0].colour"),
    ])
    func forwarderMistakesNameTheirKey(entry: String, key: String) {
        let yaml = """
            realms:
              - name: realm1
                roles: [{name: relay, permissions: []}]
            transports:
              - {type: rawsocket, port: 0}
            forwarders:
              - \(entry)
            """
        #expect {
            _ = try ConfigurationLoader.load(yaml: yaml)
        } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }
}

/// A local HTTP server that records every request and answers 500 to the first `failFirst`.
final class HTTPReceiver: Sendable {
    struct Received: Sendable {
        var headers: HTTPHeaders
        var body: String
    }

    let channel: any Channel
    private let received: NIOLockedValueBox<[Received]>
    var port: Int { self.channel.localAddress!.port! }
    var requests: [Received] { self.received.withLockedValue { $0 } }

    private init(channel: any Channel, received: NIOLockedValueBox<[Received]>) {
        self.channel = channel
        self.received = received
    }

    static func start(failFirst: Int) async throws -> HTTPReceiver {
        let received = NIOLockedValueBox<[Received]>([])
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(received: received, failFirst: failFirst))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return HTTPReceiver(channel: channel, received: received)
    }

    func waitFor(count: Int, timeout: Duration = .seconds(10)) async throws -> [Received] {
        try await self.waitFor(timeout: timeout) { $0.count >= count }
    }

    func waitFor(
        timeout: Duration = .seconds(10),
        until done: ([Received]) -> Bool
    ) async throws -> [Received] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let requests = self.requests
            if done(requests) { return requests }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestClientFailure.timeout("forwarded requests; got \(self.requests.count)")
    }

    func stop() async throws {
        try await self.channel.close()
    }

    private final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        private let received: NIOLockedValueBox<[Received]>
        private let failFirst: Int
        private let current = NIOLockedValueBox<(HTTPHeaders, String)?>(nil)

        init(received: NIOLockedValueBox<[Received]>, failFirst: Int) {
            self.received = received
            self.failFirst = failFirst
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch Self.unwrapInboundIn(data) {
            case .head(let head):
                self.current.withLockedValue { $0 = (head.headers, "") }
            case .body(let buffer):
                self.current.withLockedValue { $0?.1 += String(buffer: buffer) }
            case .end:
                guard let (headers, body) = self.current.withLockedValue({ $0 }) else { return }
                let index = self.received.withLockedValue { received in
                    received.append(Received(headers: headers, body: body))
                    return received.count
                }
                let status: HTTPResponseStatus = index <= self.failFirst ? .internalServerError : .noContent
                let head = HTTPResponseHead(version: .http1_1, status: status, headers: ["Content-Length": "0"])
                context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
                context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
