import JunctionClient

/// Client sessions for tests that run against an in-process router (`withJunction`).
public enum TestClient {
    /// A URI with a random suffix, so tests can share one router.
    public static func uri(_ name: String) -> String {
        "com.test.\(name).r\(UInt32.random(in: 0...UInt32.max))"
    }

    /// A session joined to `realm1` at `url`.
    public static func connect(
        _ url: String, serializer: SerializerKind = .json, authentication: Authentication = .anonymous,
        reconnect: ReconnectPolicy = .disabled
    ) async throws -> WAMPClient {
        try await WAMPClient.connect(
            try ClientConfiguration(
                url: url, realm: "realm1", serializer: serializer, authentication: authentication,
                reconnect: reconnect))
    }
}
