import NIOCore
import Testing
import WAMPCore

@testable import JunctionServer

/// A live router on ephemeral ports, driven by hand-written clients over every transport.
@Suite struct EndToEndTests {
    @Test(arguments: SerializerKind.allCases)
    func rawSocketRPCAndPubSub(serializer: SerializerKind) async throws {
        try await withTestServer { server in
            let (callee, _) = try await RawSocketTestClient.joined(to: server.rawSocket, serializer: serializer, group: server.group)
            let (caller, _) = try await RawSocketTestClient.joined(to: server.unix, serializer: serializer, group: server.group)
            try await callee.send(.register(.init(request: 1, procedure: "com.example.add")))
            guard case .registered(let registered) = try await callee.receive() else {
                Issue.record("no REGISTERED")
                return
            }
            try await caller.send(
                .call(
                    .init(
                        request: 1, procedure: "com.example.add",
                        payload: .init(args: [2, 3, .binary([0, 1, 255])], kwargs: ["big": .uint(1 << 53)]))))
            guard case .invocation(let invocation) = try await callee.receive() else {
                Issue.record("no INVOCATION")
                return
            }
            #expect(invocation.registration == registered.registration)
            #expect(invocation.payload.args?[2] == .binary([0, 1, 255]))
            #expect(invocation.payload.kwargs?["big"]?.unsignedInteger == 1 << 53)
            try await callee.send(.yield(.init(request: invocation.request, payload: .init(args: [5]))))
            guard case .result(let result) = try await caller.receive() else {
                Issue.record("no RESULT")
                return
            }
            #expect(result.request == 1)
            #expect(result.payload.args?.first?.signedInteger == 5)

            try await callee.send(.subscribe(.init(request: 2, topic: "com.example.topic")))
            guard case .subscribed = try await callee.receive() else {
                Issue.record("no SUBSCRIBED")
                return
            }
            try await caller.send(
                .publish(.init(request: 2, options: ["acknowledge": true], topic: "com.example.topic", payload: .init(args: ["hi"]))))
            guard case .published(let published) = try await caller.receive(),
                case .event(let event) = try await callee.receive()
            else {
                Issue.record("no PUBLISHED/EVENT")
                return
            }
            #expect(event.publication == published.publication)
            #expect(event.payload.args == ["hi"])
            await callee.close()
            await caller.close()
        }
    }

    @Test(arguments: SerializerKind.allCases)
    func webSocketCrossSerializerRouting(serializer: SerializerKind) async throws {
        try await withTestServer { server in
            let subscriber = try await WebSocketTestClient.connect(to: server.webSocket, serializer: serializer, group: server.group)
            _ = try await subscriber.join()
            try await subscriber.send(.subscribe(.init(request: 1, topic: "com.example.news")))
            guard case .subscribed = try await subscriber.receive() else {
                Issue.record("no SUBSCRIBED")
                return
            }
            // One publisher per serializer: the event reaches the subscriber in its own format.
            for publisherSerializer in SerializerKind.allCases {
                let (publisher, _) = try await RawSocketTestClient.joined(
                    to: server.rawSocket, serializer: publisherSerializer, group: server.group)
                try await publisher.send(
                    .publish(.init(request: 1, topic: "com.example.news", payload: .init(args: ["ü ✓", -1], kwargs: ["b": .binary([7])]))))
                guard case .event(let event) = try await subscriber.receive() else {
                    Issue.record("no EVENT")
                    return
                }
                #expect(event.payload.args?.first == "ü ✓")
                #expect(event.payload.args?.last?.signedInteger == -1)
                #expect(event.payload.kwargs?["b"] == .binary([7]))
                await publisher.close()
            }
        }
    }

    @Test func manyMessagesInOneWriteArriveInOrder() async throws {
        try await withTestServer { server in
            let (subscriber, _) = try await RawSocketTestClient.joined(to: server.rawSocket, group: server.group)
            try await subscriber.send(.subscribe(.init(request: 1, topic: "com.example.seq")))
            _ = try await subscriber.receive()
            let (publisher, _) = try await RawSocketTestClient.joined(to: server.rawSocket, serializer: .cbor, group: server.group)
            var bytes: [UInt8] = []
            for n in 1...200 {
                let payload = WAMPMessage.publish(.init(request: UInt64(n), topic: "com.example.seq", payload: .init(args: [.int(Int64(n))])))
                    .encoded(with: SerializerKind.cbor.serializer)
                bytes += [0, 0, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
            }
            try await publisher.writeRaw(bytes)
            for n in 1...200 {
                guard case .event(let event) = try await subscriber.receive() else {
                    Issue.record("no EVENT \(n)")
                    return
                }
                #expect(event.payload.args?.first?.signedInteger == Int64(n))
            }
        }
    }

    @Test func unknownRealmIsAborted() async throws {
        try await withTestServer { server in
            let client = try await RawSocketTestClient.connect(to: server.rawSocket, group: server.group)
            _ = try await client.readHandshake()
            try await client.send(.hello(.init(realm: "com.nowhere", details: ["roles": ["caller": [:]]])))
            guard case .abort(let abort) = try await client.receive() else {
                Issue.record("no ABORT")
                return
            }
            #expect(abort.reason == WAMPErrorURI.noSuchRealm)
            try await client.waitUntilClosed()
        }
    }

    @Test func goodbyeIsAnswered() async throws {
        try await withTestServer { server in
            let (client, _) = try await RawSocketTestClient.joined(to: server.rawSocket, group: server.group)
            try await client.send(.goodbye(.init(reason: WAMPErrorURI.closeNormal)))
            guard case .goodbye(let goodbye) = try await client.receive() else {
                Issue.record("no GOODBYE")
                return
            }
            #expect(goodbye.reason == WAMPErrorURI.goodbyeAndOut)
            try await client.waitUntilClosed()
        }
    }

    @Test func shutdownSaysGoodbyeToEverySession() async throws {
        let server = try await TestServer.start()
        let (a, _) = try await RawSocketTestClient.joined(to: server.rawSocket, group: server.group)
        let b = try await WebSocketTestClient.connect(to: server.webSocket, serializer: .msgpack, group: server.group)
        _ = try await b.join()
        let stopping = Task { await server.server.shutdown() }
        guard case .goodbye(let goodbyeA) = try await a.receive(), case .goodbye(let goodbyeB) = try await b.receive()
        else {
            Issue.record("no GOODBYE on shutdown")
            return
        }
        #expect(goodbyeA.reason == WAMPErrorURI.systemShutdown)
        #expect(goodbyeB.reason == WAMPErrorURI.systemShutdown)
        try await a.send(.goodbye(.init(reason: WAMPErrorURI.goodbyeAndOut)))
        try await a.waitUntilClosed()
        await stopping.value
        try? await server.group.shutdownGracefully()
    }

    @Test func invalidURIGetsAnErrorAndTheSessionStays() async throws {
        try await withTestServer { server in
            let (client, _) = try await RawSocketTestClient.joined(to: server.rawSocket, group: server.group)
            try await client.send(.subscribe(.init(request: 1, topic: "com..bad")))
            guard case .error(let error) = try await client.receive() else {
                Issue.record("no ERROR")
                return
            }
            #expect(error.requestType == .subscribe)
            #expect(error.request == 1)
            #expect(error.error == WAMPErrorURI.invalidURI)
            try await client.send(.subscribe(.init(request: 2, topic: "com.good")))
            guard case .subscribed = try await client.receive() else {
                Issue.record("session did not survive")
                return
            }
        }
    }
}
