import Foundation
import JunctionRouter
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
import WAMPCore

@testable import JunctionServer

/// The other path services of a live HTTP listener, the listener's routing, and bad input.
@Suite struct HTTPServicesEndToEndTests {
    @Test func probes() async throws {
        try await withHTTPTestServer { server in
            let health = try await server.request("/health", method: .GET)
            #expect(health.status == .ok)
            #expect(health.json == ["status": "ok"])
            let ready = try await server.request("/ready", method: .GET)
            #expect(ready.status == .ok)
            #expect(ready.json?["status"] == "ready")
            #expect(try await server.request("/ready", method: .HEAD).status == .ok)
            #expect(try await server.request("/health", method: .POST, body: "x").status == .methodNotAllowed)
            #expect(try await server.request("/metrics", method: .DELETE).status == .methodNotAllowed)
        }
    }

    @Test func readinessFollowsStartAndShutdown() {
        let readiness = ListenerReadiness()
        #expect(!readiness.state.isReady)
        readiness.started(listeners: 2)
        #expect(readiness.state.isReady && readiness.state.listeners == 2)
        readiness.stopping()
        #expect(!readiness.state.isReady && readiness.state.stopping)
    }

    @Test func dashboardIsServedAtTheRoot() async throws {
        try await withHTTPTestServer { server in
            for path in ["/", "/index.html"] {
                let page = try await server.request(path, method: .GET)
                #expect(page.status == .ok, "\(path)")
                #expect(page.headers["Content-Type"].first == "text/html; charset=utf-8")
                #expect(page.body == Array(DashboardAssets.files["index.html"]!.utf8))
            }
            #expect(try await server.request("/missing.js", method: .GET).status == .notFound)
            #expect(try await server.request("/", method: .POST, body: "x").status == .methodNotAllowed)
        }
    }

    @Test func staticFilesStayInsideTheirDirectory() async throws {
        try await withHTTPTestServer { server in
            let file = try await server.request("/files/hello.txt", method: .GET)
            #expect(file.status == .ok)
            #expect(file.text == "hello static\n")
            #expect(file.headers["Content-Type"].first == "text/plain; charset=utf-8")
            let index = try await server.request("/files/sub/", method: .GET)
            #expect(index.text == "<p>sub index</p>")
            #expect(try await server.request("/files/sub", method: .GET).text == "<p>sub index</p>")
            #expect(try await server.request("/files/nothing", method: .GET).status == .notFound)
            #expect(try await server.request("/files/%2e%2e/etc/passwd", method: .GET).status == .badRequest)
            #expect(try await server.request("/files/sub/%2E%2E/%2E%2E/x", method: .GET).status == .badRequest)
            #expect(try await server.request("/files/a%00b", method: .GET).status == .badRequest)
            #expect(try await server.request("/filesx", method: .GET).status == .notFound)
        }
    }

    @Test func webSocketPathStillUpgradesAndExplainsPlainRequests() async throws {
        try await withHTTPTestServer { server in
            let group = MultiThreadedEventLoopGroup.singleton
            let client = try await WebSocketTestClient.connect(to: server.address, serializer: .json, group: group)
            try await client.send(.hello(.init(realm: "realm1", details: ["roles": ["publisher": [:]]])))
            guard case .welcome = try await client.receive() else {
                Issue.record("no WELCOME")
                return
            }
            let plain = try await server.request("/ws", method: .GET)
            #expect(plain.status == .upgradeRequired)
            // An upgrade to a path that is not a WAMP path is answered by that path's service.
            let (raw, head) = try await WebSocketTestClient.upgrade(
                to: server.address,
                path: "/health",
                protocols: "wamp.2.json",
                group: group
            )
            #expect(head.hasPrefix("HTTP/1.1 200"))
            try? await raw.channel.close()
            let (unknown, unknownHead) = try await WebSocketTestClient.upgrade(
                to: server.address,
                path: "/nowhere",
                protocols: "wamp.2.json",
                group: group
            )
            #expect(unknownHead.hasPrefix("HTTP/1.1 404"))
            try? await unknown.channel.close()
        }
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
        try await withHTTPTestServer { server in
            let raw = try await RawBytesClient.connect(to: server.address, group: MultiThreadedEventLoopGroup.singleton)
            let body = #"{"topic":"a.b"}"#
            let publish =
                "POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
            // Pipelined: three requests in one write, answered in order.
            try await raw.write(Array((publish + "GET /health HTTP/1.1\r\nHost: x\r\n\r\n" + publish).utf8))
            for _ in 0..<3 {
                let head = try await raw.readHTTPHead()
                #expect(head.hasPrefix("HTTP/1.1 200"), "\(head)")
                let length = try #require(Self.contentLength(head))
                _ = try await raw.take(length)
            }
            try await raw.channel.close()
        }
    }

    @Test func malformedHTTPIsRefusedAndOthersAreStillServed() async throws {
        try await withHTTPTestServer { server in
            let raw = try await RawBytesClient.connect(to: server.address, group: MultiThreadedEventLoopGroup.singleton)
            try await raw.write(Array("BLAH /\u{1}\u{2} HTTP/9\r\n\r\n".utf8))
            let head = try await raw.readHTTPHead()
            #expect(head.hasPrefix("HTTP/1.1 400"), "\(head)")
            let oversized = try await RawBytesClient.connect(
                to: server.address,
                group: MultiThreadedEventLoopGroup.singleton
            )
            try await oversized.write(
                Array("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n".utf8)
            )
            let refused = try await oversized.readHTTPHead()
            #expect(refused.hasPrefix("HTTP/1.1 413"), "\(refused)")
            #expect(refused.lowercased().contains("connection: close"))
            #expect(try await server.request("/health", method: .GET).status == .ok)
        }
    }

    @Test func replacingThePathsAppliesToTheNextRequest() async throws {
        try await withHTTPTestServer { server in
            let healthy = try await server.request("/health", method: .GET)
            #expect(healthy.status == .ok)
            // The bridge's session is in the realm until the reload retires it.
            _ = try await server.request("/publish", body: #"{"topic":"a.b"}"#)
            let realm = try #require(server.server.router.realm(named: "realm1"))
            let inspector = try await LocalSession.join(realm, authid: "inspector", authrole: "anonymous")
            let before = try await inspector.call("wamp.session.list")
            await server.server.runtime.listeners.running[0].replaceHTTPPaths(["/alive": .health])
            let after = try await inspector.call("wamp.session.list")
            #expect(after.args.first?.listValue?.count == (before.args.first?.listValue?.count ?? 0) - 1)
            let removed = try await server.request("/health", method: .GET)
            #expect(removed.status == .notFound)
            let added = try await server.request("/alive", method: .GET)
            #expect(added.status == .ok)
        }
    }

    static func contentLength(_ head: String) -> Int? {
        for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
            return Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
