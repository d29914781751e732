import AsyncHTTPClient
import Foundation
import HTTPBridgeCore
import JunctionRouter
import Logging
import NIOCore
import NIOHTTP1
import WAMPCore

@testable import JunctionServer

/// A live router with one HTTP listener on port 0 serving every path service, and an HTTP client.
struct HTTPTestServer {
    static let key = "key1"
    static let secret = "secret1"

    let server: JunctionServer
    let client: HTTPClient
    let staticDirectory: String
    var base: String { "http://127.0.0.1:\(self.server.boundAddresses[0].port!)" }
    var address: SocketAddress { self.server.boundAddresses[0] }

    /// `realm1` with role `anonymous` (everything) and role `reader` (subscribe only); the paths:
    /// `/ws` WAMP, `/publish` and `/call` open, `/signed/publish` signed (key1/secret1, 10 s window),
    /// `/small` (post_body_limit 64), `/tls-only`, `/lan-only` (10.0.0.0/8), `/reader/publish` and
    /// `/reader/call` in role `reader`, `/hook` webhook to `com.example.hook`, `/metrics`,
    /// `/health`, `/ready`, `/files` static, `/` dashboard.
    static func start() async throws -> HTTPTestServer {
        let directory = NSTemporaryDirectory() + "junction-http-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: true)
        try Data("hello static\n".utf8).write(to: URL(fileURLWithPath: directory + "/hello.txt"))
        try Data("<p>sub index</p>".utf8).write(to: URL(fileURLWithPath: directory + "/sub/index.html"))
        let reader = Role(
            name: "reader",
            permissions: [Permission(uri: "", match: .prefix, allow: [.subscribe])]
        )
        let realm = RealmConfiguration(name: "realm1", roles: [.allowAll(name: "anonymous"), reader])
        let open = BridgePath(realm: "realm1", role: "anonymous")
        var signed = open
        signed.options = BridgeOptions(key: Self.key, secret: Self.secret, timestampDeltaLimit: 10)
        var small = open
        small.options.postBodyLimit = 64
        var tlsOnly = open
        tlsOnly.options.requireTLS = true
        var lanOnly = open
        lanOnly.options.requireIP = [IPNetwork(cidr: "10.0.0.0/8")!]
        let readerPath = BridgePath(realm: "realm1", role: "reader")
        var listener = WebSocketListener(host: "127.0.0.1", port: 0)
        listener.paths = [
            "/ws": .wamp,
            "/publish": .publisher(open),
            "/call": .caller(open),
            "/signed/publish": .publisher(signed),
            "/small": .publisher(small),
            "/tls-only": .publisher(tlsOnly),
            "/lan-only": .publisher(lanOnly),
            "/reader/publish": .publisher(readerPath),
            "/reader/call": .caller(readerPath),
            "/hook": .webhook(WebhookPath(bridge: open, topic: "com.example.hook")),
            "/metrics": .metrics,
            "/health": .health,
            "/ready": .ready,
            "/files": .static(directory: directory),
            "/": .dashboard(directory: nil),
        ]
        var configuration = JunctionConfiguration(realms: [realm], transports: [.webSocket(listener)])
        configuration.eventLoops = 2
        var logger = Logger(label: "test-http")
        logger.logLevel = .critical
        let server = try await JunctionServer.start(configuration: configuration, logger: logger)
        return HTTPTestServer(
            server: server,
            client: HTTPClient(eventLoopGroupProvider: .singleton),
            staticDirectory: directory
        )
    }

    func stop() async {
        try? await self.client.shutdown()
        await self.server.shutdown()
        try? FileManager.default.removeItem(atPath: self.staticDirectory)
    }

    /// A response with its body read.
    struct Response {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: [UInt8]
        var text: String { String(decoding: self.body, as: UTF8.self) }
        var json: WAMPValue? { try? JSONSerializer().decode(self.body) }
    }

    func request(
        _ path: String,
        method: HTTPMethod = .POST,
        body: String? = nil,
        headers: [(String, String)] = [("Content-Type", "application/json")]
    ) async throws -> Response {
        var request = HTTPClientRequest(url: self.base + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await self.client.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return Response(status: response.status, headers: response.headers, body: Array(bytes.readableBytesView))
    }

    /// The query string of a request signed now with `key`/`secret`.
    static func signedQuery(
        body: String,
        key: String = HTTPTestServer.key,
        secret: String = HTTPTestServer.secret,
        nonce: String = String(UInt64.random(in: 0...UInt64(1) << 52)),
        timestamp: Double = Date().timeIntervalSince1970,
        standardBase64: Bool = false
    ) -> String {
        let stamp = BridgeTimestamp.format(timestamp)
        var signature = BridgeSignature.sign(
            secret: secret,
            key: key,
            timestamp: stamp,
            seq: "1",
            nonce: nonce,
            body: Array(body.utf8)
        )
        if standardBase64 {
            signature = String(
                signature.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 }.filter { $0 != "=" }
            )
        }
        let encoded = signature.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? signature
        return "?key=\(key)&timestamp=\(stamp)&seq=1&nonce=\(nonce)&signature=\(encoded)"
    }
}

/// Runs `body` against a fresh HTTP test server and always stops it.
func withHTTPTestServer(_ body: (HTTPTestServer) async throws -> Void) async throws {
    let server = try await HTTPTestServer.start()
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

/// Collects a local subscription's events.
final class EventInbox: Sendable {
    private let stream: AsyncStream<LocalSession.Event>
    let continuation: AsyncStream<LocalSession.Event>.Continuation

    init() {
        (self.stream, self.continuation) = AsyncStream.makeStream(of: LocalSession.Event.self)
    }

    func next(timeout: Duration = .seconds(5)) async throws -> LocalSession.Event {
        try await withThrowingTaskGroup(of: LocalSession.Event?.self) { group in
            group.addTask {
                var iterator = self.stream.makeAsyncIterator()
                return await iterator.next()
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let event = try await group.next() ?? nil else { throw EventTimeout() }
            return event
        }
    }

    struct EventTimeout: Error {}
}
