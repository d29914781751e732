import Testing

@testable import JunctionClient

@Suite struct EndpointTests {
    @Test func parsesEveryScheme() throws {
        #expect(try WAMPEndpoint(url: "ws://127.0.0.1:8080/ws") == .init(transport: .webSocket(path: "/ws"), address: .tcp(host: "127.0.0.1", port: 8080)))
        #expect(try WAMPEndpoint(url: "wss://example.com") == .init(transport: .webSocket(path: "/"), address: .tcp(host: "example.com", port: 443), tls: true))
        #expect(try WAMPEndpoint(url: "rs://localhost:8081") == .init(transport: .rawSocket, address: .tcp(host: "localhost", port: 8081)))
        #expect(try WAMPEndpoint(url: "rss://[::1]:9000") == .init(transport: .rawSocket, address: .tcp(host: "::1", port: 9000), tls: true))
        #expect(try WAMPEndpoint(url: "unix:///tmp/j.sock") == .init(transport: .rawSocket, address: .unix(path: "/tmp/j.sock")))
        #expect(try WAMPEndpoint(url: "ws://h:1/a?b").description == "ws://h:1/a?b")
    }

    @Test(arguments: ["127.0.0.1:8080", "http://x", "rs://host", "rs://host:0", "ws://:80/", "unix://relative", "ws://h:99999"])
    func rejectsBadURLs(url: String) {
        #expect(throws: WAMPClientError.self) { try WAMPEndpoint(url: url) }
    }
}

@Suite struct ReconnectPolicyTests {
    @Test func exponentialWithCapAndJitter() {
        let policy = ReconnectPolicy(initialDelay: .milliseconds(100), maxDelay: .seconds(1), multiplier: 2, jitter: 0.5)
        #expect(policy.delay(forAttempt: 0, unit: 0.5) == .milliseconds(100))
        #expect(policy.delay(forAttempt: 3, unit: 0.5) == .milliseconds(800))
        #expect(policy.delay(forAttempt: 10, unit: 0.5) == .seconds(1))
        #expect(policy.delay(forAttempt: 0, unit: 0) == .milliseconds(50))
        #expect(policy.delay(forAttempt: 0, unit: 0.999_999) > .milliseconds(149))
        #expect(policy.delay(forAttempt: 1000, unit: 0.5) == .seconds(1))
    }
}
