import JunctionClient
import JunctionTestSupport
import Testing

/// The client against Junction, in this process, over every transport and serializer.
@Suite struct JunctionLiveTests {
    @Test(arguments: TestTransport.allCases, SerializerKind.allCases)
    func callOverEveryTransportAndSerializer(transport: TestTransport, serializer: SerializerKind) async throws {
        try await withJunction { router in
            // The callee always uses WebSocket JSON: calls cross transports and serializers.
            try await ClientScenarios.call(callee: router.url(.webSocket), caller: router.url(transport), serializer: serializer)
        }
    }

    @Test(arguments: TestTransport.allCases, SerializerKind.allCases)
    func publishSubscribeOverEveryTransportAndSerializer(transport: TestTransport, serializer: SerializerKind) async throws {
        try await withJunction { router in
            try await ClientScenarios.publishSubscribe(
                subscriber: router.url(transport), publisher: router.url(.rawSocket), serializer: serializer)
        }
    }

    @Test func registerWithErrors() async throws {
        try await withJunction { router in try await ClientScenarios.registerErrors(router.url(.webSocket)) }
    }

    @Test func progressiveCall() async throws {
        try await withJunction { router in try await ClientScenarios.progressiveCall(router.url(.rawSocket)) }
    }

    @Test func cancelAndTimeout() async throws {
        try await withJunction { router in try await ClientScenarios.cancelAndTimeout(router.url(.webSocket)) }
    }

    @Test(arguments: [TestTransport.webSocket, .rawSocket])
    func reconnectAfterRouterRestart(transport: TestTransport) async throws {
        try await withJunction { router in
            try await ClientScenarios.reconnect(url: router.url(transport)) {
                await router.stop()
                try await Task.sleep(for: .milliseconds(300))
                try await router.startServer()
            }
        }
    }

    @Test func connectFailuresThrow() async throws {
        try await withJunction { router in
            await #expect(throws: WAMPClientError.self) {
                _ = try await TestClient.connect("rs://127.0.0.1:1")
            }
            do {
                _ = try await WAMPClient.connect(try ClientConfiguration(url: router.url(.webSocket), realm: "nope"))
                Issue.record("joining an unknown realm should fail")
            } catch let error as WAMPError {
                #expect(error.uri == "wamp.error.no_such_realm")
            }
            let client = try await TestClient.connect(router.url(.unix))
            await client.leave()
            await #expect(throws: WAMPClientError.self) { try await client.call("com.x") }
        }
    }
}
