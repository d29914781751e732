import Foundation
import NIOCore
import Synchronization
import Testing
import WAMPCore

@testable import junction_bench

/// The baseline server over real loopback sockets, driven by the generator's own client code:
/// in relay mode a CALL must reach a registered callee as INVOCATION and its YIELD must come back
/// to the caller as RESULT, with the arguments byte-copied both ways.
@Suite struct BaselineRelayTests {
    static let payload = Payload(args: ["x", 1, .string(String(repeating: "p", count: 300))], kwargs: ["k": true])

    @Test(arguments: SerializerKind.allCases, [BenchTarget.Transport.webSocket, .rawSocket])
    func callIsRelayedToTheCallee(kind: SerializerKind, transport: BenchTarget.Transport) throws {
        let run = try Self.exchange(kind: kind, transport: transport, threads: 1, rpc: .relay)
        let invocation = try #require(run.invocation)
        guard case .invocation(let invoked) = invocation else {
            Issue.record("callee got \(invocation)")
            return
        }
        #expect(invoked.registration == BaselineReplies.registrationID)
        #expect(invocation.wireValue.isNumericallyEqual(to: Self.expectedInvocation(invoked.request).wireValue))
        #expect(run.answer.wireValue.isNumericallyEqual(to: Self.expectedResult.wireValue))
    }

    /// Two server loops: the callee and the caller are accepted on different loops, so both the
    /// INVOCATION and the RESULT hop.
    @Test(arguments: [(SerializerKind.json, BenchTarget.Transport.webSocket), (.msgpack, .rawSocket)])
    func callIsRelayedAcrossEventLoops(kind: SerializerKind, transport: BenchTarget.Transport) throws {
        let run = try Self.exchange(kind: kind, transport: transport, threads: 2, rpc: .relay)
        #expect(run.invocation != nil)
        #expect(run.answer.wireValue.isNumericallyEqual(to: Self.expectedResult.wireValue))
    }

    @Test func callWithoutCalleeIsAnError() throws {
        let run = try Self.exchange(kind: .json, transport: .webSocket, threads: 1, rpc: .relay, withCallee: false)
        let expected = WAMPMessage.error(
            .init(requestType: .call, request: 42, error: "wamp.error.no_such_procedure"))
        #expect(run.answer.wireValue.isNumericallyEqual(to: expected.wireValue))
    }

    @Test(arguments: [SerializerKind.json, .msgpack])
    func echoModeAnswersTheCallItself(kind: SerializerKind) throws {
        let run = try Self.exchange(kind: kind, transport: .rawSocket, threads: 1, rpc: .echo)
        #expect(run.invocation == nil)
        #expect(run.answer.wireValue.isNumericallyEqual(to: Self.expectedResult.wireValue))
    }

    /// Many calls in one flush, two callees: every call is answered once, with its own arguments,
    /// and the callees take turns.
    @Test(arguments: [(SerializerKind.json, BenchTarget.Transport.webSocket), (.msgpack, .rawSocket)])
    func manyCallsInFlightAreAllAnswered(kind: SerializerKind, transport: BenchTarget.Transport) throws {
        let fixture = try Fixture(kind: kind, transport: transport, threads: 1, rpc: .relay)
        defer { fixture.shutdown() }
        let tallies = [InvocationTally(), InvocationTally()]
        for tally in tallies { try fixture.addCallee(tally: tally) }
        let calls = (UInt64(1)...200).map { request in
            WAMPMessage.call(.init(request: request, procedure: "test.relay", payload: .init(args: [.uint(request)])))
        }
        let answered = fixture.loop.makePromise(of: [WAMPMessage].self)
        try fixture.connect { Caller(kind: kind, calls: calls, answered: answered) }
        let answers = try Self.bounded(answered, on: fixture.loop).wait()
        var seen: Set<UInt64> = []
        for answer in answers {
            guard case .result(let result) = answer else {
                Issue.record("unexpected answer \(answer)")
                continue
            }
            seen.insert(result.request)
            let expected = WAMPMessage.result(
                .init(request: result.request, payload: .init(args: [.uint(result.request)])))
            #expect(answer.wireValue.isNumericallyEqual(to: expected.wireValue))
        }
        #expect(seen == Set(UInt64(1)...200))
        #expect(tallies.map { $0.count.load(ordering: .relaxed) } == [100, 100])
    }

    /// A caller that closes takes its pending calls with it; a callee that closes leaves the
    /// callee list with the invocations it never answered, and the next CALL is an ERROR.
    @Test func closedConnectionsLeaveNoRelayState() throws {
        let fixture = try Fixture(kind: .json, transport: .webSocket, threads: 2, rpc: .relay)
        defer { fixture.shutdown() }
        let callee = try fixture.addCallee(answers: false)
        try fixture.waitForRelay { $0.callees == 2 }  // replicated on both loops
        let call = WAMPMessage.call(.init(request: 7, procedure: "test.relay", payload: Self.payload))
        // Never answered: failed when their sessions close.
        let unanswered = (0..<2).map { _ in fixture.loop.makePromise(of: [WAMPMessage].self) }
        let first = try fixture.connect { [kind = fixture.kind] in
            Caller(kind: kind, calls: [call], answered: unanswered[0])
        }
        try fixture.waitForRelay { $0.pending == 1 }
        try first.close().wait()
        try fixture.waitForRelay { $0.pending == 0 }

        try fixture.connect { [kind = fixture.kind] in Caller(kind: kind, calls: [call], answered: unanswered[1]) }
        try fixture.waitForRelay { $0.pending == 1 }
        try callee.close().wait()
        try fixture.waitForRelay { $0 == (callees: 0, pending: 0) }

        let answered = fixture.loop.makePromise(of: [WAMPMessage].self)
        try fixture.connect { [kind = fixture.kind] in Caller(kind: kind, calls: [call], answered: answered) }
        let answers = try Self.bounded(answered, on: fixture.loop).wait()
        let expected = WAMPMessage.error(.init(requestType: .call, request: 7, error: "wamp.error.no_such_procedure"))
        #expect(answers.count == 1 && answers[0].wireValue.isNumericallyEqual(to: expected.wireValue))
    }

    static let expectedResult = WAMPMessage.result(.init(request: 42, payload: Self.payload))

    static func expectedInvocation(_ invocation: UInt64) -> WAMPMessage {
        .invocation(.init(request: invocation, registration: BaselineReplies.registrationID, payload: Self.payload))
    }

    /// Starts a baseline server on free ports, registers an echoing callee (unless told not to; in
    /// echo mode it is never invoked), makes CALL 42 and returns what the callee and the caller got.
    static func exchange(
        kind: SerializerKind, transport: BenchTarget.Transport, threads: Int, rpc: BaselineRPCMode,
        withCallee: Bool = true
    ) throws -> (invocation: WAMPMessage?, answer: WAMPMessage) {
        let fixture = try Fixture(kind: kind, transport: transport, threads: threads, rpc: rpc)
        defer { fixture.shutdown() }
        let invoked = fixture.loop.makePromise(of: WAMPMessage.self)
        if withCallee { try fixture.addCallee(invoked: invoked) }
        let answered = fixture.loop.makePromise(of: [WAMPMessage].self)
        let call = WAMPMessage.call(.init(request: 42, procedure: "test.relay", payload: Self.payload))
        try fixture.connect { Caller(kind: kind, calls: [call], answered: answered) }
        let answers = try Self.bounded(answered, on: fixture.loop).wait()
        invoked.fail(TestTimeout())  // no-op if the callee was invoked
        return (try? invoked.futureResult.wait(), answers[0])
    }

    /// `promise`'s future, failed after 10 s if nothing completed it.
    static func bounded<Value: Sendable>(
        _ promise: EventLoopPromise<Value>, on loop: any EventLoop
    ) -> EventLoopFuture<Value> {
        let timeout = loop.scheduleTask(in: .seconds(10)) { promise.fail(TestTimeout()) }
        promise.futureResult.whenComplete { _ in timeout.cancel() }
        return promise.futureResult
    }
}

/// A baseline server on free ports, and the generator's client code on one loop to talk to it.
private struct Fixture {
    let kind: SerializerKind
    let server: RunningBaselineServer
    let client: LoadGroup
    let connector: ClientConnector

    init(kind: SerializerKind, transport: BenchTarget.Transport, threads: Int, rpc: BaselineRPCMode) throws {
        self.kind = kind
        self.server = try BaselineServer(host: "127.0.0.1", port: 0, rawSocketPort: 0, threads: threads, rpc: rpc)
            .start()
        let url =
            transport == .webSocket
            ? "ws://127.0.0.1:\(self.server.webSocketPort)/ws" : "rs://127.0.0.1:\(self.server.rawSocketPort ?? 0)"
        self.connector = ClientConnector(
            target: try BenchTarget(url), setup: SessionSetup(serializer: kind, realm: "r"))
        self.client = try LoadGroup(threads: 1)
    }

    var loop: any EventLoop { self.client.handle(0).loop }

    func shutdown() {
        self.client.shutdown()
        self.server.shutdown()
    }

    /// Opens a session with the role `makeRole` makes (on the client loop); waits for TCP only.
    @discardableResult
    func connect(_ makeRole: @escaping @Sendable () -> any SessionRole) throws -> any Channel {
        let established = self.loop.makePromise(of: Void.self)
        return try self.connector.connect(on: self.client.handle(0), track: false, established: established) { _ in
            makeRole()
        }.wait()
    }

    /// Opens an `EchoingCallee` (silent unless `answers`) and waits for its REGISTERED.
    @discardableResult
    func addCallee(
        invoked: EventLoopPromise<WAMPMessage>? = nil, tally: InvocationTally? = nil, answers: Bool = true
    ) throws -> any Channel {
        let registered = self.loop.makePromise(of: Void.self)
        let kind = self.kind
        let channel = try self.connect {
            EchoingCallee(kind: kind, registered: registered, invoked: invoked, tally: tally, answers: answers)
        }
        try BaselineRelayTests.bounded(registered, on: self.loop).wait()
        return channel
    }

    /// Waits (at most 10 s) until the server's relay state, summed over its loops, satisfies `condition`.
    func waitForRelay(_ condition: ((callees: Int, pending: Int)) -> Bool) throws {
        let relays = try #require(self.server.relays)
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            var state = (callees: 0, pending: 0)
            for entry in relays.entries {
                let relay = entry.relay
                let counts = try entry.loop.submit { (relay.value.table.calleeCount, relay.value.table.pendingCount) }
                    .wait()
                state.callees += counts.0
                state.pending += counts.1
            }
            if condition(state) { return }
            guard ContinuousClock.now < deadline else {
                Issue.record("relay state stuck at \(state)")
                return
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }
}

/// How many INVOCATIONs a callee got.
private final class InvocationTally: Sendable {
    let count = Atomic<Int>(0)
}

private struct TestTimeout: Error {}

/// Sends one WAMP message on a generator session.
private func send(_ message: WAMPMessage, _ kind: SerializerKind, on session: WAMPClientHandler) {
    let bytes = message.encoded(with: kind.serializer)
    var buffer = FrameHeadroom.makeBuffer(session.allocator, capacity: bytes.count)
    buffer.writeBytes(bytes)
    session.send(buffer)
    session.flushIfNeeded()
}

private func decode(_ scanner: WireScanner) throws -> WAMPMessage {
    try WAMPMessage(from: scanner.kind.serializer.decode(Array(scanner.bytes)))
}

/// Registers a procedure, then answers every INVOCATION with a YIELD of the same arguments;
/// reports the first INVOCATION (decoded) and counts them all.
private final class EchoingCallee: SessionRole {
    let kind: SerializerKind
    let registered: EventLoopPromise<Void>
    let invoked: EventLoopPromise<WAMPMessage>?
    let tally: InvocationTally?
    /// False: never YIELDs (invocations stay pending in the relay).
    let answers: Bool

    init(
        kind: SerializerKind, registered: EventLoopPromise<Void>, invoked: EventLoopPromise<WAMPMessage>?,
        tally: InvocationTally?, answers: Bool
    ) {
        self.kind = kind
        self.registered = registered
        self.invoked = invoked
        self.tally = tally
        self.answers = answers
    }

    func sessionEstablished(_ session: WAMPClientHandler) {
        send(.register(.init(request: 1, procedure: "test.relay")), self.kind, on: session)
    }

    func received(_ type: UInt64, _ scanner: inout WireScanner, _ session: WAMPClientHandler) throws(ScanError) {
        switch type {
        case MessageType.registered.rawValue:
            self.registered.succeed()
        case MessageType.invocation.rawValue:
            guard let message = try? decode(scanner), case .invocation(let invocation) = message else {
                self.invoked?.fail(ScanError(reason: "undecodable INVOCATION", offset: 0))
                return
            }
            self.invoked?.succeed(message)
            self.tally?.count.add(1, ordering: .relaxed)
            guard self.answers else { return }
            send(.yield(.init(request: invocation.request, payload: invocation.payload)), self.kind, on: session)
        default:
            break
        }
    }

    func sessionClosed() {
        self.registered.fail(ClientTransportError("callee closed"))
    }
}

/// Sends all its calls at once and reports the answers (RESULT or ERROR, decoded) once every
/// call has one.
private final class Caller: SessionRole {
    let kind: SerializerKind
    let calls: [WAMPMessage]
    let answered: EventLoopPromise<[WAMPMessage]>
    private var answers: [WAMPMessage] = []

    init(kind: SerializerKind, calls: [WAMPMessage], answered: EventLoopPromise<[WAMPMessage]>) {
        self.kind = kind
        self.calls = calls
        self.answered = answered
    }

    func sessionEstablished(_ session: WAMPClientHandler) {
        for call in self.calls {
            let bytes = call.encoded(with: self.kind.serializer)
            var buffer = FrameHeadroom.makeBuffer(session.allocator, capacity: bytes.count)
            buffer.writeBytes(bytes)
            session.send(buffer)
        }
        session.flushIfNeeded()
    }

    func received(_ type: UInt64, _ scanner: inout WireScanner, _ session: WAMPClientHandler) throws(ScanError) {
        guard type == MessageType.result.rawValue || type == MessageType.error.rawValue else { return }
        do {
            self.answers.append(try decode(scanner))
        } catch {
            self.answered.fail(error)
        }
        if self.answers.count == self.calls.count { self.answered.succeed(self.answers) }
    }

    func sessionClosed() {
        self.answered.fail(ClientTransportError("caller closed"))
    }
}
