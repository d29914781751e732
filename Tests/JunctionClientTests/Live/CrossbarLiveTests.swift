import Crypto
import Foundation
import JunctionClient
import JunctionTestSupport
import Testing

/// The client against Crossbar.io: the same scenarios as against Junction, plus authentication
/// (Junction does not authenticate yet). Skipped when Crossbar is not installed.
@Suite(.enabled(if: CrossbarTestRouter.isAvailable, Comment(rawValue: CrossbarTestRouter.skipMessage)), .serialized)
struct CrossbarLiveTests {
    private func router() async throws -> CrossbarTestRouter {
        try await CrossbarTestRouter.shared.get()
    }

    @Test(arguments: TestTransport.allCases, SerializerKind.allCases)
    func callAndPublishOverEveryTransportAndSerializer(transport: TestTransport, serializer: SerializerKind) async throws {
        let router = try await self.router()
        try await ClientScenarios.call(callee: router.url(.webSocket), caller: router.url(transport), serializer: serializer)
        try await ClientScenarios.publishSubscribe(
            subscriber: router.url(transport), publisher: router.url(.rawSocket), serializer: serializer)
    }

    @Test func registerWithErrors() async throws {
        try await ClientScenarios.registerErrors(try await self.router().url(.webSocket))
    }

    @Test func progressiveCall() async throws {
        let router = try await self.router()
        let client = try await TestClient.connect(router.url(.webSocket))
        #expect(client.session?.dealerSupports("progressive_call_results") == true)
        await client.leave()
        try await ClientScenarios.progressiveCall(router.url(.webSocket))
    }

    @Test func cancelAndTimeout() async throws {
        try await ClientScenarios.cancelAndTimeout(try await self.router().url(.webSocket))
    }

    @Test func patternSubscriptionAndRegistration() async throws {
        let router = try await self.router()
        let client = try await TestClient.connect(router.url(.webSocket))
        let base = TestClient.uri("pattern")
        let subscription = try await client.subscribe(base + ".", options: SubscribeOptions(match: .prefix))
        try await client.register(base + "..echo", options: RegisterOptions(match: .wildcard)) { invocation in
            InvocationResult(.string(invocation.procedure ?? "?"))
        }
        try await client.publish(base + ".a.b", args: [1], options: PublishOptions(acknowledge: true, excludeMe: false))
        var events = subscription.makeAsyncIterator()
        #expect(await events.next()?.topic == base + ".a.b")
        #expect(try await client.call(base + ".x.echo").args == [.string(base + ".x.echo")])
        await client.leave()
    }

    @Test func ticketAuthentication() async throws {
        let router = try await self.router()
        let (authid, ticket) = CrossbarTestRouter.ticketUser
        let client = try await TestClient.connect(
            router.url(.webSocket), authentication: .ticket(authid: authid, ticket: ticket))
        #expect(client.session?.authid == authid)
        #expect(client.session?.authmethod == "ticket")
        #expect(client.session?.authrole == "authenticated")
        await client.leave()
        await Self.expectRefused(router, .ticket(authid: authid, ticket: "wrong"))
    }

    @Test(arguments: [CrossbarTestRouter.craUser, CrossbarTestRouter.saltedCraUser])
    func wampcraAuthentication(user: (String, String)) async throws {
        let router = try await self.router()
        let client = try await TestClient.connect(
            router.url(.webSocket), authentication: .wampcra(authid: user.0, secret: user.1))
        #expect(client.session?.authid == user.0)
        #expect(client.session?.authmethod == "wampcra")
        await client.leave()
        await Self.expectRefused(router, .wampcra(authid: user.0, secret: "wrong"))
    }

    @Test func cryptosignAuthentication() async throws {
        let router = try await self.router()
        let client = try await TestClient.connect(
            router.url(.webSocket),
            authentication: try .cryptosign(authid: CrossbarTestRouter.cryptosignUser, privateKeyHex: TestKeys.cryptosignSeedHex))
        #expect(client.session?.authid == CrossbarTestRouter.cryptosignUser)
        #expect(client.session?.authmethod == "cryptosign")
        await client.leave()
        await Self.expectRefused(router, .cryptosign(authid: CrossbarTestRouter.cryptosignUser, privateKey: .init()))
    }

    private static func expectRefused(_ router: CrossbarTestRouter, _ authentication: Authentication) async {
        do {
            let client = try await TestClient.connect(router.url(.webSocket), authentication: authentication)
            await client.leave()
            Issue.record("authentication should have been refused")
        } catch let error as WAMPError {
            #expect(error.uri.hasPrefix("wamp.error."))
        } catch {
            Issue.record("expected a WAMPError, got \(error)")
        }
    }

    @Test func reconnectAfterCrossbarRestart() async throws {
        let router = try await CrossbarTestRouter.start()
        defer { Task { await router.stop() } }
        try await ClientScenarios.reconnect(url: router.url(.webSocket)) {
            await router.stop()
            try await router.launch()
        }
        await router.stop()
    }
}

enum TestKeys {
    static let cryptosignSeedHex = "4a3d0b1c2e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff0"
    static var cryptosignPublicKeyHex: String {
        let seed = stride(from: 0, to: 64, by: 2).map { i -> UInt8 in
            let start = Self.cryptosignSeedHex.index(Self.cryptosignSeedHex.startIndex, offsetBy: i)
            return UInt8(Self.cryptosignSeedHex[start..<Self.cryptosignSeedHex.index(start, offsetBy: 2)], radix: 16)!
        }
        let key = try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        return key.publicKey.rawRepresentation.map { String(format: "%02x", $0) }.joined()
    }
}
