import JunctionRouter
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
import WAMPCore

/// A realm on one event loop delivers to `RecordingTarget`s, peers that are neither transport,
/// on the other loop through its `LoopMailbox` and on its own loop directly: in order, and in
/// batches (everything posted while the receiving loop was busy is delivered by one drain and
/// flushed once).
@Suite(.timeLimit(.minutes(1))) struct CrossLoopDeliveryTests {
    /// Two loops: the realm's and the remote targets'.
    final class TwoLoops: Sendable {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let mailboxes: LoopMailboxes
        let realmLoop: any EventLoop
        let otherLoop: any EventLoop
        let realm: Realm

        init() {
            self.mailboxes = LoopMailboxes(group: self.group)
            var loops = self.group.makeIterator()
            self.realmLoop = loops.next()!
            self.otherLoop = loops.next()!
            self.realm = Realm(
                configuration: .openRealm(named: "realm1"), eventLoop: self.realmLoop, logger: Logger(label: "test"))
        }

        /// A joined target on `loop`, with the records of its join (WELCOME and its flush).
        func join(on loop: any EventLoop) async throws -> NIOLoopBound<RecordingTarget> {
            let mailbox = self.mailboxes.mailbox(for: loop)!
            let realmMailbox = self.mailboxes.mailbox(for: self.realmLoop)!
            let realm = self.realm
            let (target, handle) = try await loop.submit {
                let target = RecordingTarget(mailbox: mailbox, realm: realm, realmMailbox: realmMailbox)
                return (NIOLoopBound(target, eventLoop: loop), PeerHandle(target: target, mailbox: mailbox))
            }.get()
            self.realmLoop.execute {
                handle.joinCompleted(
                    realm.join(hello: .init(realm: "realm1", details: [:]), peer: handle, transport: "test"))
            }
            let records = try await loop.flatSubmit { target.value.recorded(deliveries: 1) }.get()
            guard case .joined(let session) = records.first, session != 0 else {
                throw RecordingError("not joined: \(records)")
            }
            return target
        }

        /// Sends `message` as `target`'s session, from its loop, and waits for the reply.
        func request(
            _ message: WAMPMessage, from target: NIOLoopBound<RecordingTarget>, replies: Int
        ) async throws -> [RecordingTarget.Record] {
            try await target.eventLoop.flatSubmit {
                let count = target.value.records.count { $0 != .flush }
                target.value.send(message)
                return target.value.recorded(deliveries: count + replies)
            }.get()
        }

        /// Runs `body` while `loop` is held busy, so what it posts to `loop` piles up in the mailbox.
        func whileBusy(_ loop: any EventLoop, _ body: () async throws -> Void) async throws {
            let gate = ConditionLock(value: 0)
            loop.execute {
                gate.lock(whenValue: 1)
                gate.unlock()
            }
            defer {
                gate.lock()
                gate.unlock(withValue: 1)
            }
            try await body()
        }

        func shutdown() async throws {
            try await self.group.shutdownGracefully()
        }
    }

    struct RecordingError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// WELCOME reaches a target on another loop before what the realm sends it afterwards; a
    /// burst of publications arrives complete, in order, in one batch and with one flush.
    @Test func publicationsReachATargetOnAnotherLoopInOrderInOneBatch() async throws {
        let loops = TwoLoops()
        let subscriber = try await loops.join(on: loops.otherLoop)
        let publisher = try await loops.join(on: loops.realmLoop)
        let subscribed = try await loops.request(
            .subscribe(.init(request: 1, topic: "com.example.burst")), from: subscriber, replies: 1)
        guard case .unicast(.subscribed) = subscribed.dropLast().last else {
            Issue.record("expected SUBSCRIBED after WELCOME, got \(subscribed)")
            return
        }
        let before = subscribed.count
        let count = 200
        try await loops.whileBusy(loops.otherLoop) {
            try await loops.realmLoop.submit {
                for sequence in 0..<count {
                    publisher.value.send(
                        .publish(
                            .init(
                                request: UInt64(sequence + 1), topic: "com.example.burst",
                                payload: .init(args: [.int(Int64(sequence))]))))
                }
            }.get()
        }
        let records = try await subscriber.eventLoop.flatSubmit {
            subscriber.value.recorded(deliveries: subscribed.count { $0 != .flush } + count)
        }.get()
        let burst = Array(records.dropFirst(before))
        #expect(burst.count == count + 1)
        #expect(burst.last == .flush)
        for (sequence, record) in burst.dropLast().enumerated() {
            guard case .shared(.event(let event), fromOtherLoop: true) = record else {
                Issue.record("expected EVENT \(sequence) from the other loop, got \(record)")
                return
            }
            #expect(event.payload.args?.first?.signedInteger == Int64(sequence))
        }
        try await loops.shutdown()
    }

    /// A callee on the other loop gets every invocation in order, in one batch; its yields go
    /// back through the realm's mailbox; a caller on the realm's loop gets every result in order.
    @Test func callsReachACalleeOnAnotherLoopAndResultsComeBackInOrder() async throws {
        let loops = TwoLoops()
        let callee = try await loops.join(on: loops.otherLoop)
        let caller = try await loops.join(on: loops.realmLoop)
        try await callee.eventLoop.submit {
            callee.value.answer = { .yield(.init(request: $0.request, payload: $0.payload)) }
        }.get()
        let registered = try await loops.request(
            .register(.init(request: 1, procedure: "com.example.echo")), from: callee, replies: 1)
        guard case .unicast(.registered) = registered.dropLast().last else {
            Issue.record("expected REGISTERED, got \(registered)")
            return
        }
        let count = 100
        try await loops.whileBusy(loops.otherLoop) {
            try await loops.realmLoop.submit {
                for request in 1...count {
                    caller.value.send(
                        .call(
                            .init(
                                request: UInt64(request), procedure: "com.example.echo",
                                payload: .init(args: [.int(Int64(request))]))))
                }
            }.get()
        }
        let results = try await caller.eventLoop.flatSubmit { caller.value.recorded(deliveries: 1 + count) }.get()
        let answers: [UInt64] = results.compactMap {
            guard case .unicast(.result(let result)) = $0 else { return nil }
            #expect(result.payload.args?.first?.signedInteger == Int64(result.request))
            return result.request
        }
        #expect(answers == Array(1...UInt64(count)))
        let invocations = try await callee.eventLoop.submit {
            callee.value.records.dropFirst(registered.count)
        }.get()
        #expect(invocations.count == count + 1, "one batch, one flush")
        #expect(invocations.last == .flush)
        let arguments: [Int64] = invocations.compactMap {
            guard case .unicast(.invocation(let invocation)) = $0 else { return nil }
            return invocation.payload.args?.first?.signedInteger
        }
        #expect(arguments == (1...Int64(count)).map { $0 })
        try await loops.shutdown()
    }
}
