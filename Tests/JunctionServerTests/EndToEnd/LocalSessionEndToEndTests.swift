import JunctionRouter
import NIOCore
import Testing
import WAMPCore

@testable import JunctionServer

/// In-process sessions of a running server, reached by clients over the network.
@Suite struct LocalSessionEndToEndTests {
    @Test(arguments: SerializerKind.allCases)
    func webSocketClientCallsLocalProcedureAndLocalSessionCallsBack(serializer: SerializerKind) async throws {
        try await withTestServer { server in
            let realm = try #require(server.server.router.realm(named: "realm1"))
            let local = try await LocalSession.join(realm, authid: "component", authrole: "anonymous")
            try await local.register("com.local.greet") { invocation in
                .init(args: [.string("hello \(invocation.args.first?.stringValue ?? "?")")], kwargs: ["from": "local"])
            }
            let client = try await WebSocketTestClient.connect(
                to: server.webSocket,
                serializer: serializer,
                group: server.group
            )
            let clientID = try await client.join()
            try await client.send(.call(.init(request: 1, procedure: "com.local.greet", payload: .init(args: ["ws"]))))
            guard case .result(let result) = try await client.receive() else {
                Issue.record("no RESULT")
                return
            }
            #expect(result.request == 1)
            #expect(result.payload.args == ["hello ws"])
            #expect(result.payload.kwargs?["from"] == "local")

            // The other way round: the local session calls the client, maybe on another loop.
            try await client.send(.register(.init(request: 2, procedure: "com.remote.upper")))
            guard case .registered = try await client.receive() else {
                Issue.record("no REGISTERED")
                return
            }
            async let upper = local.call("com.remote.upper", args: ["abc"])
            guard case .invocation(let invocation) = try await client.receive() else {
                Issue.record("no INVOCATION")
                return
            }
            let text = invocation.payload.args?.first?.stringValue ?? ""
            try await client.send(
                .yield(.init(request: invocation.request, payload: .init(args: [.string(text.uppercased())])))
            )
            #expect(try await upper.args == ["ABC"])

            let sessions = try await local.call("wamp.session.list").args.first?.listValue ?? []
            #expect(Set(sessions) == [.uint(clientID), .uint(local.id)])
            await client.raw.close()
            await local.leave()
        }
    }
}
