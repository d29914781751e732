import Foundation
import JunctionRouter
import NIOHTTP1
import Testing
import WAMPCore

@testable import JunctionServer

/// The Crossbar-compatible publisher, caller and webhook paths of a live router, over HTTP.
@Suite struct HTTPBridgeEndToEndTests {
    @Test func publishReachesSubscribersAndAnswersWithThePublicationID() async throws {
        try await withHTTPTestServer { server in
            let inbox = try await self.subscribe(server, "com.example.topic")
            let response = try await server.request(
                "/publish",
                body: #"{"topic":"com.example.topic","args":["hello",1],"kwargs":{"k":true}}"#
            )
            #expect(response.status == .ok)
            let id = try #require(response.json?["id"]?.unsignedInteger)
            #expect(id > 0)
            let event = try await inbox.next()
            #expect(event.args == ["hello", 1])
            #expect(event.kwargs == ["k": true])
            #expect(event.publication == id)
            #expect(response.headers["Content-Type"].first == "application/json; charset=UTF-8")
            #expect(response.headers["Access-Control-Allow-Origin"].first == "*")
        }
    }

    @Test func publishOptionsArePassedOn() async throws {
        try await withHTTPTestServer { server in
            let retained = try await server.request(
                "/publish",
                body: #"{"topic":"com.example.r","args":[7],"options":{"retain":true}}"#
            )
            #expect(retained.status == .ok)
            let realm = try #require(server.server.router.realm(named: "realm1"))
            let session = try await LocalSession.join(realm, authid: "late", authrole: "anonymous")
            let inbox = EventInbox()
            try await session.subscribe("com.example.r", options: ["get_retained": true]) {
                inbox.continuation.yield($0)
            }
            #expect(try await inbox.next().args == [7])
            // `eligible` naming nobody reaches no one; the next event does.
            let live = try await self.subscribe(server, "com.example.e")
            _ = try await server.request(
                "/publish",
                body: #"{"topic":"com.example.e","args":[1],"options":{"eligible":[1]}}"#
            )
            _ = try await server.request("/publish", body: #"{"topic":"com.example.e","args":[2]}"#)
            #expect(try await live.next().args == [2])
        }
    }

    @Test func callAnswersInCrossbarShapes() async throws {
        try await withHTTPTestServer { server in
            let realm = try #require(server.server.router.realm(named: "realm1"))
            let callee = try await LocalSession.join(realm, authid: "callee", authrole: "anonymous")
            try await callee.register("com.example.echo") { invocation in
                .init(args: invocation.args, kwargs: invocation.kwargs)
            }
            try await callee.register("com.example.fail") { _ in
                throw LocalSessionError("com.example.oops", args: ["bad"], kwargs: ["code": 3])
            }
            try await callee.register("com.example.slow") { _ in
                try await Task.sleep(for: .seconds(30))
                return .init()
            }
            let cases: [(String, WAMPValue)] = [
                (#"{"procedure":"com.example.echo","args":[5]}"#, ["args": [5]]),
                (#"{"procedure":"com.example.echo","args":[1,2]}"#, ["args": [1, 2]]),
                (#"{"procedure":"com.example.echo"}"#, ["args": [.null]]),
                (#"{"procedure":"com.example.echo","kwargs":{"a":1}}"#, ["kwargs": ["a": 1]]),
                (#"{"procedure":"com.example.echo","args":[1],"kwargs":{"a":1}}"#, ["args": [1], "kwargs": ["a": 1]]),
                (
                    #"{"procedure":"com.example.fail"}"#,
                    ["error": "com.example.oops", "args": ["bad"], "kwargs": ["code": 3]]
                ),
            ]
            for (body, expected) in cases {
                let response = try await server.request("/call", body: body)
                #expect(response.status == .ok, "\(body)")
                #expect(response.json == expected, "\(body): \(response.text)")
            }
            let missing = try await server.request("/call", body: #"{"procedure":"com.example.nobody"}"#)
            #expect(missing.status == .ok)
            #expect(missing.json?["error"] == "wamp.error.no_such_procedure")
            let timedOut = try await server.request(
                "/call",
                body: #"{"procedure":"com.example.slow","options":{"timeout":100}}"#
            )
            #expect(timedOut.status == .ok)
            #expect(timedOut.json?["error"] == "wamp.error.timeout")
        }
    }

    @Test func theRoleAuthorizesBridgeRequests() async throws {
        try await withHTTPTestServer { server in
            let publish = try await server.request("/reader/publish", body: #"{"topic":"com.example.t"}"#)
            #expect(publish.status == .ok)
            #expect(publish.json?["error"] == "wamp.error.not_authorized")
            let call = try await server.request("/reader/call", body: #"{"procedure":"com.example.p"}"#)
            #expect(call.status == .ok)
            #expect(call.json?["error"] == "wamp.error.not_authorized")
        }
    }

    @Test func badRequestsAre400() async throws {
        try await withHTTPTestServer { server in
            let cases: [(String, String, [(String, String)])] = [
                ("/publish", #"{"topic":"com..bad"}"#, [("Content-Type", "application/json")]),
                ("/publish", #"{"args":[1]}"#, [("Content-Type", "application/json")]),
                ("/publish", #"{"topic":1}"#, [("Content-Type", "application/json")]),
                ("/publish", "{not json", [("Content-Type", "application/json")]),
                ("/publish", "[1,2]", [("Content-Type", "application/json")]),
                ("/publish", #"{"topic":"a.b"}"#, [("Content-Type", "text/plain")]),
                ("/publish", #"{"topic":"a.b"}"#, [("Content-Type", "application/json; charset=latin-1")]),
                ("/publish", #"{"topic":"a.b","args":{"x":1}}"#, [("Content-Type", "application/json")]),
                ("/call", #"{"args":[]}"#, [("Content-Type", "application/json")]),
                ("/call", #"{"procedure":"a b"}"#, [("Content-Type", "application/json")]),
                ("/publish?timestamp=now", #"{"topic":"a.b"}"#, [("Content-Type", "application/json")]),
                ("/publish?nonce=abc", #"{"topic":"a.b"}"#, [("Content-Type", "application/json")]),
            ]
            for (path, body, headers) in cases {
                let response = try await server.request(path, body: body, headers: headers)
                #expect(response.status == .badRequest, "\(path) \(body)")
                #expect(response.json?["error"]?.stringValue != nil, "\(response.text)")
                #expect(response.json?["args"] != nil && response.json?["kwargs"] != nil)
            }
            let invalid = try await server.request("/publish", body: #"{"topic":"com..bad"}"#)
            #expect(invalid.json?["error"] == "wamp.error.invalid_uri")
        }
    }

    @Test func methodsAndCORS() async throws {
        try await withHTTPTestServer { server in
            let get = try await server.request("/publish", method: .GET)
            #expect(get.status == .methodNotAllowed)
            #expect(get.headers["Access-Control-Allow-Origin"].first == "*")
            let put = try await server.request("/publish", method: .PUT, body: #"{"topic":"a.b"}"#)
            #expect(put.status == .ok)
            let preflight = try await server.request(
                "/call",
                method: .OPTIONS,
                headers: [("Origin", "https://app.example"), ("Access-Control-Request-Headers", "content-type")]
            )
            #expect(preflight.status == .ok)
            #expect(preflight.body.isEmpty)
            #expect(preflight.headers["Access-Control-Allow-Origin"].first == "https://app.example")
            #expect(preflight.headers["Access-Control-Allow-Credentials"].first == "true")
            #expect(preflight.headers["Access-Control-Allow-Methods"].first == "POST,PUT,OPTIONS")
            #expect(preflight.headers["Access-Control-Allow-Headers"].first == "content-type")
        }
    }

    @Test func bodyLimitIs413() async throws {
        try await withHTTPTestServer { server in
            let small = try await server.request("/small", body: #"{"topic":"a.b"}"#)
            #expect(small.status == .ok)
            let large = try await server.request(
                "/small",
                body: #"{"topic":"a.b","args":["\#(String(repeating: "x", count: 100))"]}"#
            )
            #expect(large.status == .payloadTooLarge)
            #expect(large.json?["error"]?.stringValue?.contains("Request too long") == true)
            // The server is still serving.
            #expect(try await server.request("/small", body: #"{"topic":"a.b"}"#).status == .ok)
        }
    }

    @Test func signedRequests() async throws {
        try await withHTTPTestServer { server in
            let body = #"{"topic":"com.example.signed","args":[1]}"#
            let inbox = try await self.subscribe(server, "com.example.signed")
            let unsigned = try await server.request("/signed/publish", body: body)
            #expect(unsigned.status == .badRequest)
            let query = HTTPTestServer.signedQuery(body: body)
            let good = try await server.request("/signed/publish" + query, body: body)
            #expect(good.status == .ok, "\(good.text)")
            #expect(try await inbox.next().args == [1])
            let replay = try await server.request("/signed/publish" + query, body: body)
            #expect(replay.status == .unauthorized)
            let standard = try await server.request(
                "/signed/publish" + HTTPTestServer.signedQuery(body: body, standardBase64: true),
                body: body
            )
            #expect(standard.status == .ok, "\(standard.text)")
            let wrongSecret = try await server.request(
                "/signed/publish" + HTTPTestServer.signedQuery(body: body, secret: "nope"),
                body: body
            )
            #expect(wrongSecret.status == .unauthorized)
            let wrongKey = try await server.request(
                "/signed/publish" + HTTPTestServer.signedQuery(body: body, key: "nope"),
                body: body
            )
            #expect(wrongKey.status == .unauthorized)
            let tampered = try await server.request(
                "/signed/publish" + HTTPTestServer.signedQuery(body: body),
                body: body.replacingOccurrences(of: "1", with: "2")
            )
            #expect(tampered.status == .unauthorized)
            let expired = try await server.request(
                "/signed/publish"
                    + HTTPTestServer.signedQuery(body: body, timestamp: Date().timeIntervalSince1970 - 60),
                body: body
            )
            #expect(expired.status == .badRequest)
        }
    }

    @Test func clientAddressAndTLSRequirements() async throws {
        try await withHTTPTestServer { server in
            let body = #"{"topic":"a.b"}"#
            let lan = try await server.request("/lan-only", body: body)
            #expect(lan.status == .badRequest)
            #expect(lan.json?["error"] == "Request denied based on IP address.")
            let tls = try await server.request("/tls-only", body: body)
            #expect(tls.status == .badRequest)
        }
    }

    @Test func webhookPublishesHeadersAndBody() async throws {
        try await withHTTPTestServer { server in
            let inbox = try await self.subscribe(server, "com.example.hook")
            let response = try await server.request(
                "/hook",
                body: "plain text body",
                headers: [("Content-Type", "text/plain"), ("X-Custom", "yes")]
            )
            #expect(response.status == .accepted)
            #expect(response.text == "OK")
            let event = try await inbox.next()
            let message = try #require(event.args.first)
            #expect(message["body"] == "plain text body")
            #expect(message["headers"]?["X-Custom"] == ["yes"])
            #expect(message["headers"]?["Content-Type"] == ["text/plain"])
            #expect(try await server.request("/hook", method: .GET).status == .methodNotAllowed)
        }
    }

    @Test func requestsAreCountedByServiceAndStatus() async throws {
        try await withHTTPTestServer { server in
            _ = try await server.request("/publish", body: #"{"topic":"a.b"}"#)
            _ = try await server.request("/publish", method: .GET)
            _ = try await server.request("/nowhere", method: .GET)
            let metrics = try await server.request("/metrics", method: .GET)
            #expect(metrics.status == .ok)
            #expect(metrics.headers["Content-Type"].first == "text/plain; version=0.0.4; charset=utf-8")
            let text = metrics.text
            #expect(text.contains(#"junction_http_requests_total{service="publisher",status="200"} 1"#), "\(text)")
            #expect(text.contains(#"junction_http_requests_total{service="publisher",status="405"} 1"#))
            // Under the dashboard at `/`, an unknown path is the dashboard's 404.
            #expect(text.contains(#"junction_http_requests_total{service="dashboard",status="404"} 1"#))
        }
    }

    private func subscribe(_ server: HTTPTestServer, _ topic: String) async throws -> EventInbox {
        let realm = try #require(server.server.router.realm(named: "realm1"))
        let session = try await LocalSession.join(realm, authid: "subscriber", authrole: "anonymous")
        let inbox = EventInbox()
        try await session.subscribe(topic) { inbox.continuation.yield($0) }
        return inbox
    }
}
