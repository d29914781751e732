import JunctionRouter
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
import WAMPCore

/// A transport peer whose messages a test awaits one by one (no polling, no sleeps). Unchecked:
/// the iterator (behind a lock) is only advanced by the one test task that reads the peer.
final class StreamPeer: PeerConnection, @unchecked Sendable {
    let serializer = SerializerKind.json
    private let stream: AsyncStream<WAMPMessage>
    private let continuation: AsyncStream<WAMPMessage>.Continuation
    private let iterator: NIOLockedValueBox<AsyncStream<WAMPMessage>.Iterator>

    init() {
        (self.stream, self.continuation) = AsyncStream.makeStream(of: WAMPMessage.self)
        self.iterator = NIOLockedValueBox(self.stream.makeAsyncIterator())
    }

    /// The next message the realm sent (GOODBYE and ABORT arrive as those messages).
    func next() async -> WAMPMessage? {
        var iterator = self.iterator.withLockedValue { $0 }
        let message = await iterator.next()
        self.iterator.withLockedValue { $0 = iterator }
        return message
    }

    func send(_ message: WAMPMessage) { self.continuation.yield(message) }
    func send(_ message: SharedMessage) { self.continuation.yield(message.message) }
    func goodbye(reason: String, message: String?) { self.continuation.yield(.goodbye(.init(reason: reason))) }
    func abort(_ abort: WAMPMessage.Abort) { self.continuation.yield(.abort(abort)) }
}

/// A realm on a real event loop, local sessions and stream peers joined to it.
final class LocalRealm: Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let realm: Realm

    init(_ configuration: RealmConfiguration = LocalSessionTests.configuration) {
        self.realm = Realm(configuration: configuration, eventLoop: self.group.next(), logger: Logger(label: "test"))
    }

    func join(authid: String = "peer") async throws -> (UInt64, StreamPeer) {
        let peer = StreamPeer()
        let roles: WAMPDict = ["caller": [:], "callee": [:], "publisher": [:], "subscriber": [:]]
        let realm = self.realm
        let outcome = try await realm.eventLoop.submit {
            realm.join(
                hello: .init(realm: "realm1", details: ["roles": .dict(roles), "authid": .string(authid)]),
                peer: peer,
                transport: "test"
            )
        }.get()
        guard case .welcome(let id, _) = outcome else { throw LocalSessionError(WAMPErrorURI.notAuthorized) }
        return (id, peer)
    }

    func send(_ message: WAMPMessage, from session: UInt64) async throws {
        let realm = self.realm
        try await realm.eventLoop.submit { realm.receive(message, from: session) }.get()
    }

    func stop() async {
        try? await self.group.shutdownGracefully()
    }
}

/// Runs `body` against a fresh realm and always stops its loop.
func withLocalRealm(_ body: (LocalRealm) async throws -> Void) async throws {
    let fixture = LocalRealm()
    do {
        try await body(fixture)
    } catch {
        await fixture.stop()
        throw error
    }
    await fixture.stop()
}

@Suite struct LocalSessionTests {
    static let configuration = RealmConfiguration(
        name: "realm1",
        roles: [
            .allowAll(name: "backend"),
            Role(
                name: "reader",
                permissions: [Permission(uri: "com.public.", match: .prefix, allow: [.call, .subscribe])]
            ),
        ],
        anonymousRole: "backend"
    )

    @Test func localCallerAndLocalCallee() async throws {
        try await withLocalRealm { fixture in
            let callee = try await LocalSession.join(fixture.realm, authid: "math", authrole: "backend")
            let caller = try await LocalSession.join(fixture.realm, authid: "client", authrole: "backend")
            let registration = try await callee.register("com.example.add") { invocation in
                let sum = invocation.args.compactMap(\.signedInteger).reduce(0, +)
                return .init(args: [.int(sum)], kwargs: ["by": .string("math")])
            }
            let result = try await caller.call("com.example.add", args: [2, 3, 4])
            #expect(result.args == [9])
            #expect(result.kwargs["by"] == "math")
            try await registration.unregister()
            do {
                _ = try await caller.call("com.example.add")
                Issue.record("expected no_such_procedure")
            } catch let error as LocalSessionError {
                #expect(error.uri == WAMPErrorURI.noSuchProcedure)
            }
        }
    }

    @Test func transportPeerCallsLocalCalleeAndLocalCallerReachesTransportCallee() async throws {
        try await withLocalRealm { fixture in
            let local = try await LocalSession.join(fixture.realm, authid: "svc", authrole: "backend")
            try await local.register("com.local.echo", options: ["disclose_caller": true]) { invocation in
                .init(args: invocation.args + [.uint(invocation.caller ?? 0)])
            }
            let (peerID, peer) = try await fixture.join()
            try await fixture.send(
                .call(.init(request: 7, procedure: "com.local.echo", payload: .init(args: ["hi"]))),
                from: peerID
            )
            guard case .result(let result) = await peer.next() else {
                Issue.record("expected RESULT")
                return
            }
            #expect(result.request == 7)
            #expect(result.payload.args == ["hi", .uint(peerID)])

            try await fixture.send(.register(.init(request: 1, procedure: "com.remote.double")), from: peerID)
            guard case .registered = await peer.next() else {
                Issue.record("expected REGISTERED")
                return
            }
            async let answer = local.call("com.remote.double", args: [21])
            guard case .invocation(let invocation) = await peer.next() else {
                Issue.record("expected INVOCATION")
                return
            }
            let value = invocation.payload.args?.first?.signedInteger ?? 0
            try await fixture.send(
                .yield(.init(request: invocation.request, payload: .init(args: [.int(value * 2)]))),
                from: peerID
            )
            #expect(try await answer.args == [42])
        }
    }

    @Test func pubSubBothWaysAndUnsubscribe() async throws {
        try await withLocalRealm { fixture in
            let local = try await LocalSession.join(fixture.realm, authid: "svc", authrole: "backend")
            let (events, received) = AsyncStream.makeStream(of: LocalSession.Event.self)
            let subscription = try await local.subscribe("com.news") { event in received.yield(event) }
            let (peerID, peer) = try await fixture.join()
            try await fixture.send(
                .publish(.init(request: 1, topic: "com.news", payload: .init(args: ["first"]))),
                from: peerID
            )
            try await fixture.send(
                .publish(.init(request: 2, topic: "com.news", payload: .init(args: ["second"]))),
                from: peerID
            )
            var iterator = events.makeAsyncIterator()
            #expect(await iterator.next()?.args == ["first"])
            #expect(await iterator.next()?.args == ["second"])

            try await fixture.send(.subscribe(.init(request: 3, topic: "com.alerts")), from: peerID)
            guard case .subscribed = await peer.next() else {
                Issue.record("expected SUBSCRIBED")
                return
            }
            let publication = try await local.publish(
                "com.alerts",
                args: ["fire"],
                kwargs: ["level": 3],
                acknowledge: true
            )
            guard case .event(let event) = await peer.next() else {
                Issue.record("expected EVENT")
                return
            }
            #expect(event.publication == publication)
            #expect(event.payload.args == ["fire"])
            #expect(event.payload.kwargs?["level"] == 3)
            // Unacknowledged: the realm has it when publish returns.
            try await local.publish("com.alerts", args: ["smoke"])
            guard case .event(let second) = await peer.next() else {
                Issue.record("expected EVENT")
                return
            }
            #expect(second.payload.args == ["smoke"])

            try await subscription.unsubscribe()
            let lookup = try await local.call("wamp.subscription.lookup", args: ["com.news"])
            #expect(lookup.args.first?.isNull == true)
        }
    }

    @Test func roleWithoutPermissionIsDenied() async throws {
        try await withLocalRealm { fixture in
            let reader = try await LocalSession.join(fixture.realm, authid: "r", authrole: "reader")
            for attempt in 0..<3 {
                do {
                    switch attempt {
                    case 0: try await reader.register("com.public.x") { _ in .init() }
                    case 1: try await reader.publish("com.public.x", acknowledge: true)
                    default: _ = try await reader.call("com.private.x")
                    }
                    Issue.record("attempt \(attempt) was allowed")
                } catch let error as LocalSessionError {
                    #expect(error.uri == WAMPErrorURI.notAuthorized)
                }
            }
            // Allowed, but nobody serves it.
            do {
                _ = try await reader.call("com.public.x")
                Issue.record("expected no_such_procedure")
            } catch let error as LocalSessionError {
                #expect(error.uri == WAMPErrorURI.noSuchProcedure)
            }
        }
    }

    @Test func unknownRoleIsNoSuchRole() async throws {
        try await withLocalRealm { fixture in
            do {
                _ = try await LocalSession.join(fixture.realm, authid: "x", authrole: "ghost")
                Issue.record("joined with an unknown role")
            } catch let error as LocalSessionError {
                #expect(error.uri == WAMPErrorURI.noSuchRole)
            }
        }
    }

    struct Oops: Error {}

    @Test func handlerErrorsReachTheCaller() async throws {
        try await withLocalRealm { fixture in
            let local = try await LocalSession.join(fixture.realm, authid: "svc", authrole: "backend")
            try await local.register("com.fails") { invocation in
                if invocation.args.isEmpty { throw Oops() }
                throw LocalSessionError("com.example.error.bad_input", args: ["no"], kwargs: ["field": "x"])
            }
            do {
                _ = try await local.call("com.fails", args: [1])
                Issue.record("expected an error")
            } catch let error as LocalSessionError {
                #expect(error.uri == "com.example.error.bad_input")
                #expect(error.args == ["no"])
                #expect(error.kwargs["field"] == "x")
            }
            do {
                _ = try await local.call("com.fails")
                Issue.record("expected an error")
            } catch let error as LocalSessionError {
                #expect(error.uri == WAMPErrorURI.runtimeError)
            }
            // A timeout the dealer enforces reaches a local caller like any other.
            let (interrupted, interrupt) = AsyncStream.makeStream(of: Bool.self)
            try await local.register("com.hangs") { _ in
                do {
                    try await Task.sleep(for: .seconds(60))
                } catch {
                    interrupt.yield(Task.isCancelled)
                    throw error
                }
                return .init()
            }
            do {
                _ = try await local.call("com.hangs", options: ["timeout": 20])
                Issue.record("expected a timeout")
            } catch let error as LocalSessionError {
                #expect(error.uri == WAMPErrorURI.timeout)
            }
            // The dealer's INTERRUPT cancelled the handler; its late answer reaches the loop
            // before this round trip ends (and before the loop shuts down).
            var iterator = interrupted.makeAsyncIterator()
            #expect(await iterator.next() == true)
            _ = try await local.call("wamp.session.count")
        }
    }

    @Test func cancellingTheCallingTaskCancelsTheCall() async throws {
        try await withLocalRealm { fixture in
            let local = try await LocalSession.join(fixture.realm, authid: "svc", authrole: "backend")
            let (progress, report) = AsyncStream.makeStream(of: String.self)
            try await local.register("com.slow") { _ in
                report.yield("started")
                do {
                    try await Task.sleep(for: .seconds(60))
                } catch {
                    report.yield(Task.isCancelled ? "interrupted" : "failed")
                    throw error
                }
                return .init()
            }
            let call = Task { try await local.call("com.slow") }
            var steps = progress.makeAsyncIterator()
            #expect(await steps.next() == "started")
            call.cancel()
            await #expect(throws: CancellationError.self) { try await call.value }
            #expect(await steps.next() == "interrupted")
            _ = try await local.call("wamp.session.count")
        }
    }

    @Test func metaAPIShowsLocalSessions() async throws {
        try await withLocalRealm { fixture in
            let local = try await LocalSession.join(fixture.realm, authid: "svc", authrole: "backend")
            let details = try await local.call("wamp.session.get", args: [.uint(local.id)]).args.first
            #expect(details?["authid"] == "svc")
            #expect(details?["authrole"] == "backend")
            #expect(details?["authmethod"] == "local")
            #expect(details?["transport"]?["type"] == "local")
            let count = try await local.call("wamp.session.count")
            #expect(count.args == [.uint(1)])
        }
    }

    @Test func shutdownAndKillEndTheSession() async throws {
        try await withLocalRealm { fixture in
            let killed = try await LocalSession.join(fixture.realm, authid: "victim", authrole: "backend")
            let (peerID, peer) = try await fixture.join()
            try await fixture.send(
                .call(.init(request: 1, procedure: "wamp.session.kill", payload: .init(args: [.uint(killed.id)]))),
                from: peerID
            )
            guard case .result = await peer.next() else {
                Issue.record("expected RESULT")
                return
            }
            #expect(await killed.ended().reason == WAMPErrorURI.killed)

            let local = try await LocalSession.join(fixture.realm, authid: "svc", authrole: "backend")
            try await fixture.send(.register(.init(request: 2, procedure: "com.slow")), from: peerID)
            guard case .registered = await peer.next() else {
                Issue.record("expected REGISTERED")
                return
            }
            async let pending = local.call("com.slow")
            guard case .invocation = await peer.next() else {
                Issue.record("expected INVOCATION")
                return
            }
            let realm = fixture.realm
            try await realm.eventLoop.submit { realm.shutdown() }.get()
            do {
                _ = try await pending
                Issue.record("expected the call to fail")
            } catch let error as LocalSessionError {
                // Sessions leave in id order: the callee may go first (the call is canceled).
                #expect([WAMPErrorURI.systemShutdown, WAMPErrorURI.canceled].contains(error.uri))
            }
            #expect(await local.ended().reason == WAMPErrorURI.systemShutdown)
            do {
                try await local.publish("com.x")
                Issue.record("expected publish to fail after the end")
            } catch let error as LocalSessionError {
                #expect(error.uri == WAMPErrorURI.systemShutdown)
            }
            do {
                _ = try await LocalSession.join(fixture.realm, authid: "late", authrole: "backend")
                Issue.record("joined a shut-down realm")
            } catch let error as LocalSessionError {
                #expect(error.uri == WAMPErrorURI.systemShutdown)
            }
        }
    }

    @Test func leaveRemovesRegistrationsAndEnds() async throws {
        try await withLocalRealm { fixture in
            let local = try await LocalSession.join(fixture.realm, authid: "svc", authrole: "backend")
            try await local.register("com.gone") { _ in .init() }
            await local.leave()
            #expect(await local.ended().reason == WAMPErrorURI.closeNormal)
            let other = try await LocalSession.join(fixture.realm, authid: "other", authrole: "backend")
            do {
                _ = try await other.call("com.gone")
                Issue.record("expected no_such_procedure")
            } catch let error as LocalSessionError {
                #expect(error.uri == WAMPErrorURI.noSuchProcedure)
            }
        }
    }
}
