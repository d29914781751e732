import JunctionRouter
import Logging
import NIOCore
import NIOPosix
import Testing
import WAMPCore

/// A reloaded configuration applied to running realms: sessions keep going under their role's new
/// permissions, sessions whose role is gone get GOODBYE, removed realms close, new ones appear.
@Suite struct RealmReconfigureTests {
    static let open = RealmConfiguration(
        name: "realm1",
        roles: [.allowAll(name: "writer"), .allowAll(name: "temp")],
        anonymousRole: "writer"
    )

    static let restricted = RealmConfiguration(
        name: "realm1",
        roles: [
            Role(name: "writer", permissions: [Permission(uri: "com.public.", match: .prefix, allow: [.subscribe])])
        ],
        anonymousRole: "writer"
    )

    static func withRealm(_ body: (LocalRealm) async throws -> Void) async throws {
        let fixture = LocalRealm(Self.open)
        do {
            try await body(fixture)
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    @Test func sessionsKeepTheirSubscriptionsAndGetTheNewPermissions() async throws {
        try await Self.withRealm { fixture in
            let (writer, peer) = try await fixture.join()
            try await fixture.send(.subscribe(.init(request: 1, topic: "com.public.news")), from: writer)
            guard case .subscribed = await peer.next() else { throw LocalSessionError(WAMPErrorURI.invalidArgument) }
            let realm = fixture.realm
            let ended = try await realm.eventLoop.submit { realm.reconfigure(Self.restricted) }.get()
            #expect(ended == 0)
            try await fixture.send(
                .publish(.init(request: 2, options: ["acknowledge": true], topic: "com.public.news", payload: .empty)),
                from: writer)
            guard case .error(let denied) = await peer.next() else {
                throw LocalSessionError(WAMPErrorURI.invalidArgument)
            }
            #expect(denied.error == WAMPErrorURI.notAuthorized)
            #expect(try await realm.eventLoop.submit { realm.sessionCount }.get() == 1)
            #expect(realm.admission.anonymousRole == "writer")
        }
    }

    @Test func aSessionWhoseRoleWasRemovedGetsGoodbye() async throws {
        try await Self.withRealm { fixture in
            let realm = fixture.realm
            let temp = try await LocalSession.join(realm, authid: "worker", authrole: "temp")
            let (writer, peer) = try await fixture.join()
            let ended = try await realm.eventLoop.submit { realm.reconfigure(Self.restricted) }.get()
            #expect(ended == 1)
            #expect(try await realm.eventLoop.submit { realm.sessionCount }.get() == 1)
            await #expect(throws: LocalSessionError.self) {
                try await temp.publish("com.public.news", acknowledge: true)
            }
            // The other session (role `writer`, kept) is still served.
            try await fixture.send(.subscribe(.init(request: 1, topic: "com.public.news")), from: writer)
            guard case .subscribed = await peer.next() else { throw LocalSessionError(WAMPErrorURI.invalidArgument) }
        }
    }

    @Test func routerAddsRemovesAndReconfiguresRealms() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let router = Router(realms: [Self.open, .openRealm(named: "old")], group: group, logger: Logger(label: "test"))
        let old = try #require(router.realm(named: "old"))
        let session = try await LocalSession.join(old, authid: "a", authrole: "anonymous")
        let unchanged = try #require(router.realm(named: "realm1"))
        let changes = await router.apply([Self.open, .openRealm(named: "new")])
        #expect(changes.added == ["new"])
        #expect(changes.removed == ["old"])
        #expect(changes.reconfigured.isEmpty, "an unchanged realm is not touched")
        #expect(changes.sessionsEnded == 1)
        #expect(router.realm(named: "old") == nil)
        #expect(router.realm(named: "realm1") === unchanged)
        #expect(router.realm(named: "new") != nil)
        await #expect(throws: LocalSessionError.self) { try await session.publish("com.x", acknowledge: true) }
        try await group.shutdownGracefully()
    }
}
