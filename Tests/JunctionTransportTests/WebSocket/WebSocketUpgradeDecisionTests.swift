import NIOHTTP1
import Testing
import WAMPCore

@testable import JunctionTransport

@Suite struct WebSocketUpgradeDecisionTests {
    private func request(
        method: HTTPMethod = .GET,
        uri: String = "/ws",
        headers: [(String, String)] = [
            ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Version", "13"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Protocol", "wamp.2.json"),
        ]
    ) -> HTTPRequestHead {
        HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: HTTPHeaders(headers))
    }

    private func status(
        _ request: HTTPRequestHead,
        _ configuration: WebSocketConfiguration = .init()
    ) -> HTTPResponseStatus? {
        guard case .reject(let rejection) = WebSocketUpgradeDecision(request: request, configuration: configuration)
        else {
            return nil
        }
        return rejection.status
    }

    @Test func goodRequestUpgrades() {
        #expect(
            WebSocketUpgradeDecision(request: self.request(), configuration: .init())
                == .upgrade(WAMPWebSocketSubprotocol(serializer: .json))
        )
        #expect(
            WebSocketUpgradeDecision(request: self.request(uri: "/ws?token=1"), configuration: .init())
                == .upgrade(WAMPWebSocketSubprotocol(serializer: .json))
        )
    }

    @Test func wrongPathIs404() {
        #expect(self.status(self.request(uri: "/")) == .notFound)
        #expect(self.status(self.request(uri: "/ws/")) == .notFound)
        #expect(self.status(self.request(uri: "/wamp"), .init(path: "/wamp")) == nil)
    }

    @Test func plainGetIs426() {
        #expect(self.status(self.request(headers: [("Host", "x")])) == .upgradeRequired)
    }

    @Test func otherMethodsAre405() {
        #expect(self.status(self.request(method: .POST)) == .methodNotAllowed)
    }

    @Test func wrongVersionIs426AndMissingKeyIs400() {
        #expect(
            self.status(
                self.request(headers: [
                    ("Upgrade", "websocket"), ("Sec-WebSocket-Version", "8"), ("Sec-WebSocket-Key", "x"),
                    ("Sec-WebSocket-Protocol", "wamp.2.json"),
                ])
            ) == .upgradeRequired
        )
        #expect(
            self.status(
                self.request(headers: [
                    ("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13"),
                    ("Sec-WebSocket-Protocol", "wamp.2.json"),
                ])
            ) == .badRequest
        )
    }

    @Test func noWAMPSubprotocolIs400AndNamesWhatWeSpeak() {
        let request = self.request(headers: [
            ("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13"), ("Sec-WebSocket-Key", "x"),
            ("Sec-WebSocket-Protocol", "chat"),
        ])
        guard
            case .reject(let rejection) = WebSocketUpgradeDecision(
                request: request,
                configuration: .init(serializers: [.cbor], batchedAllowed: false)
            )
        else {
            Issue.record("expected a rejection")
            return
        }
        #expect(rejection.status == .badRequest)
        #expect(rejection.message.hasSuffix("wamp.2.cbor"))
    }
}
