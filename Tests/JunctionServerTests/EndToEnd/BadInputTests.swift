import NIOCore
import Testing
import WAMPCore

@testable import JunctionServer

/// Every kind of bad input gets the spec's answer, and the router keeps serving everyone else.
@Suite struct BadInputTests {
    static let violations: [(String, WAMPValue)] = [
        ("unknown message type", [999]),
        ("empty list", []),
        ("not a list", ["hello": 1]),
        ("wrong arity", [1, "realm1"]),
        ("wrong field type", [1, 123, ["roles": ["caller": [:]]]]),
        ("HELLO without roles", [1, "realm1", [:]]),
        ("request id zero", [32, 0, [:], "com.x"]),
        ("request id above 2^53", [32, .uint((1 << 53) + 1), [:], "com.x"]),
        ("option of the wrong type", [16, 1, ["acknowledge": "yes"], "com.x"]),
    ]

    func expectViolation(_ client: RawSocketTestClient) async throws {
        guard case .abort(let abort) = try await client.receive() else {
            Issue.record("no ABORT")
            return
        }
        #expect(abort.reason == WAMPErrorURI.protocolViolation)
        try await client.waitUntilClosed()
    }

    @Test(arguments: 0..<Self.violations.count)
    func malformedMessagesAbortBeforeAndAfterWelcome(index: Int) async throws {
        let (name, value) = Self.violations[index]
        try await withTestServer { server in
            let (bystander, _) = try await RawSocketTestClient.joined(to: server.rawSocket, group: server.group)
            try await bystander.send(.subscribe(.init(request: 1, topic: "com.alive")))
            _ = try await bystander.receive()

            // Before HELLO.
            let fresh = try await RawSocketTestClient.connect(to: server.rawSocket, group: server.group)
            _ = try await fresh.readHandshake()
            try await fresh.send(value: value)
            try await self.expectViolation(fresh)

            // After WELCOME.
            let (joined, _) = try await RawSocketTestClient.joined(to: server.rawSocket, serializer: .msgpack, group: server.group)
            try await joined.send(value: value)
            try await self.expectViolation(joined)

            // The bystander is still served.
            let (publisher, _) = try await RawSocketTestClient.joined(to: server.rawSocket, group: server.group)
            try await publisher.send(.publish(.init(request: 1, topic: "com.alive", payload: .init(args: [.string(name)]))))
            guard case .event(let event) = try await bystander.receive() else {
                Issue.record("bystander lost after \(name)")
                return
            }
            #expect(event.payload.args == [.string(name)])
        }
    }

    @Test(arguments: [SerializerKind.json, .msgpack, .cbor])
    func undecodableBytesAbort(serializer: SerializerKind) async throws {
        try await withTestServer { server in
            let (client, _) = try await RawSocketTestClient.joined(to: server.rawSocket, serializer: serializer, group: server.group)
            try await client.sendFrame(serializer == .json ? Array("[1,".utf8) : [0xC1, 0xFF, 0xFE])
            try await self.expectViolation(client)
        }
    }

    @Test func secondHelloAborts() async throws {
        try await withTestServer { server in
            let (client, _) = try await RawSocketTestClient.joined(to: server.rawSocket, group: server.group)
            try await client.send(.hello(.init(realm: "realm1", details: ["roles": ["caller": [:]]])))
            try await self.expectViolation(client)
        }
    }

    @Test func messageBeforeHelloAborts() async throws {
        try await withTestServer { server in
            let client = try await RawSocketTestClient.connect(to: server.rawSocket, group: server.group)
            _ = try await client.readHandshake()
            try await client.send(.goodbye(.init(reason: WAMPErrorURI.closeNormal)))
            try await self.expectViolation(client)
        }
    }

    @Test func routerMessagesFromAClientAbort() async throws {
        try await withTestServer { server in
            let (client, _) = try await RawSocketTestClient.joined(to: server.rawSocket, group: server.group)
            try await client.send(.event(.init(subscription: 1, publication: 1)))
            try await self.expectViolation(client)
        }
    }

    @Test func errorForANonInvocationAborts() async throws {
        try await withTestServer { server in
            let (client, _) = try await RawSocketTestClient.joined(to: server.rawSocket, group: server.group)
            try await client.send(.error(.init(requestType: .call, request: 1, error: "com.err")))
            try await self.expectViolation(client)
        }
    }

    @Test func yieldForAnUnknownInvocationAborts() async throws {
        try await withTestServer { server in
            let (client, _) = try await RawSocketTestClient.joined(to: server.rawSocket, group: server.group)
            try await client.send(.yield(.init(request: 77)))
            try await self.expectViolation(client)
        }
    }

    @Test func unknownIdsGetErrors() async throws {
        try await withTestServer { server in
            let (client, _) = try await RawSocketTestClient.joined(to: server.rawSocket, group: server.group)
            try await client.send(.unsubscribe(.init(request: 1, subscription: 12345)))
            try await client.send(.unregister(.init(request: 2, registration: 12345)))
            guard case .error(let a) = try await client.receive(), case .error(let b) = try await client.receive() else {
                Issue.record("no ERRORs")
                return
            }
            #expect(a.error == WAMPErrorURI.noSuchSubscription)
            #expect(b.error == WAMPErrorURI.noSuchRegistration)
        }
    }

    @Test func webSocketPlainHTTPGetsAnError() async throws {
        try await withTestServer { server in
            let client = try await RawBytesClient.connect(to: server.webSocket, group: server.group)
            try await client.write(Array("GET /ws HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8))
            let response = String(decoding: try await client.readUntilClosed(), as: UTF8.self)
            #expect(response.hasPrefix("HTTP/1.1 4"))
        }
    }

    @Test func webSocketUnknownSubprotocolGetsAnError() async throws {
        try await withTestServer { server in
            let (client, head) = try await WebSocketTestClient.upgrade(to: server.webSocket, protocols: "foo", group: server.group)
            #expect(head.hasPrefix("HTTP/1.1 4"))
            _ = try await client.readUntilClosed()
        }
    }

    @Test func webSocketWrongFrameTypeAborts() async throws {
        try await withTestServer { server in
            let client = try await WebSocketTestClient.connect(to: server.webSocket, serializer: .msgpack, group: server.group)
            _ = try await client.join()
            try await client.sendFrame(opcode: 0x1, payload: Array("[32,1,{},\"a\"]".utf8))
            guard case .abort(let abort) = try await client.receive() else {
                Issue.record("no ABORT")
                return
            }
            #expect(abort.reason == WAMPErrorURI.protocolViolation)
        }
    }

    @Test func rawSocketUnsupportedSerializerIsRefused() async throws {
        try await withTestServer { server in
            let client = try await RawSocketTestClient.connect(
                to: server.rawSocket, group: server.group, handshake: [0x7F, 0xF9, 0, 0])
            #expect(try await client.readHandshake() == [0x7F, 0x10, 0, 0])
            try await client.waitUntilClosed()
        }
    }
}
