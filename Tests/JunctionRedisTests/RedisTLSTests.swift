import JunctionRedis
import NIOCore
import RESPCore
import RedisTestSupport
import Testing

/// TLS to Debian's `redis-server` started with `--tls-port` and certificates generated per run.
@Suite(.enabled(if: RedisTestServer.isAvailable, Comment(rawValue: RedisTestServer.skipMessage)))
struct RedisTLSTests {
    let certificates = RedisTestCertificates.shared

    @Test func commandsAndPubSubOverTLSWithTheCertificateVerifiedByIPAddress() async throws {
        try await withRedis(tls: self.certificates) { server in
            let connection = try await server.connect()
            #expect(try await connection.send("SET", "key", "over tls") == .simpleString("OK"))
            #expect(try await connection.send("GET", "key").string == "over tls")
            let subscriber = try await server.connect()
            let messages = try await subscriber.subscribe(to: ["news"])
            #expect(try await connection.send("PUBLISH", "news", "hello") == .integer(1))
            var iterator = messages.makeAsyncIterator()
            #expect(await iterator.next()?.payload == ByteBuffer(string: "hello"))
            await subscriber.close()
            await connection.close()
        }
    }

    @Test func aServerNameIsVerifiedInsteadOfTheAddressTheCertificateDoesNotName() async throws {
        // This server's certificate names `localhost` only, not 127.0.0.1.
        let server = try await RedisTestServer.start(tls: self.certificates, namedCertificateOnly: true)
        defer { server.stop() }
        var configuration = server.configuration()
        configuration.tls = self.certificates.clientConfiguration()
        await #expect(throws: (any Error).self) { _ = try await RedisConnection.connect(configuration) }

        configuration.tls = self.certificates.clientConfiguration(serverName: "localhost")
        let named = try await RedisConnection.connect(configuration)
        #expect(try await named.send("PING") == .simpleString("PONG"))
        await named.close()

        configuration.tls = self.certificates.clientConfiguration(serverName: "redis.example.com")
        await #expect(throws: (any Error).self) { _ = try await RedisConnection.connect(configuration) }
        // The same name is accepted when only the chain is checked.
        configuration.tls = self.certificates.clientConfiguration(
            verification: .noHostname, serverName: "redis.example.com")
        let chainOnly = try await RedisConnection.connect(configuration)
        #expect(try await chainOnly.send("PING") == .simpleString("PONG"))
        await chainOnly.close()
    }

    @Test func aServerFromAnUntrustedCAIsRefusedWithTheTLSError() async throws {
        try await withRedis(tls: self.certificates) { server in
            var configuration = server.configuration()
            configuration.tls?.caCertificatesPath = self.certificates.otherCAPath
            let error = await #expect(throws: (any Error).self) { _ = try await RedisConnection.connect(configuration) }
            // The handshake's own error, not a bare "connection closed".
            #expect(!(error is RedisError), "got \(String(describing: error))")
            // The server keeps serving trusted clients.
            let trusted = try await server.connect()
            #expect(try await trusted.send("PING") == .simpleString("PONG"))
            await trusted.close()
        }
    }

    @Test func aServerRequiringClientCertificatesRefusesAClientWithout() async throws {
        let server = try await RedisTestServer.start(tls: self.certificates, requireClientCertificate: true)
        defer { server.stop() }
        let withCertificate = try await server.connect()
        #expect(try await withCertificate.send("PING") == .simpleString("PONG"))
        await withCertificate.close()

        var configuration = server.configuration()
        configuration.tls?.certificatePath = nil
        configuration.tls?.keyPath = nil
        await #expect(throws: (any Error).self) {
            let connection = try await RedisConnection.connect(configuration)
            // TLS 1.3 may finish the client's side of the handshake before the server refuses.
            _ = try await connection.send("PING")
        }
    }

    @Test func aPlainClientAgainstTheTLSPortFailsWithoutHanging() async throws {
        try await withRedis(tls: self.certificates) { server in
            var configuration = server.configuration()
            configuration.tls = nil
            configuration.connectTimeout = .seconds(2)
            await #expect(throws: (any Error).self) {
                let connection = try await RedisConnection.connect(configuration)
                _ = try await connection.send("PING")
            }
        }
    }

    @Test func aMissingCertificateFileFailsTheConnectWithoutAPromiseLeft() async throws {
        var tls = self.certificates.clientConfiguration()
        tls.caCertificatesPath = "/nonexistent/ca.pem"
        let configuration = RedisConnectionConfiguration(host: "127.0.0.1", port: 1, tls: tls)
        await #expect(throws: (any Error).self) { _ = try await RedisConnection.connect(configuration) }
    }
}
