import Foundation
import JunctionClient
import JunctionTestSupport
import Testing

/// Scenarios run against every router (in-process Junction, Crossbar). Each takes URLs, so the
/// same code checks both; URIs carry a random suffix so tests can share one router.
enum ClientScenarios {
    /// Register, call with args/kwargs and with Codable types, unregister.
    static func call(callee calleeURL: String, caller callerURL: String, serializer: SerializerKind) async throws {
        let callee = try await TestClient.connect(calleeURL, serializer: serializer)
        let caller = try await TestClient.connect(callerURL, serializer: serializer)
        let add = TestClient.uri("add")
        let registration = try await callee.register(add) { invocation in
            let sum = invocation.args.compactMap(\.signedInteger).reduce(0, +)
            return InvocationResult(args: [.int(sum)], kwargs: invocation.kwargs.isEmpty ? [:] : ["echo": .dict(invocation.kwargs)])
        }
        let result = try await caller.call(add, args: [2, 3])
        #expect(result.args.first?.signedInteger == 5)
        let withKwargs = try await caller.call(add, args: [1], kwargs: ["k": "v", "bytes": .binary([0, 1, 255])])
        #expect(withKwargs.kwargs["echo"] == ["k": "v", "bytes": .binary([0, 1, 255])])

        struct Point: Codable, Sendable, Equatable { var x: Int; var y: Int }
        let mirror = TestClient.uri("mirror")
        try await callee.register(mirror, decoding: Point.self) { point in Point(x: point.y, y: point.x) }
        let mirrored = try await caller.call(mirror, with: Point(x: 1, y: 2), returning: Point.self)
        #expect(mirrored == Point(x: 2, y: 1))

        try await registration.unregister()
        await #expect(throws: WAMPError.self) { try await caller.call(add, args: [1]) }
        await caller.leave()
        await callee.leave()
    }

    /// Handler errors: a `WAMPError` keeps its URI and payload, anything else is a runtime error.
    static func registerErrors(_ url: String) async throws {
        let callee = try await TestClient.connect(url)
        let caller = try await TestClient.connect(url)
        let failing = TestClient.uri("failing")
        struct Oops: Error {}
        try await callee.register(failing) { invocation in
            if invocation.args.first == "wamp" {
                throw WAMPError("com.test.error.invalid_input", args: ["bad", 1], kwargs: ["field": "x"])
            }
            throw Oops()
        }
        do {
            _ = try await caller.call(failing, args: ["wamp"])
            Issue.record("call should fail")
        } catch let error as WAMPError {
            #expect(error.uri == "com.test.error.invalid_input")
            #expect(error.args == ["bad", 1])
            #expect(error.kwargs == ["field": "x"])
        }
        do {
            _ = try await caller.call(failing, args: ["other"])
            Issue.record("call should fail")
        } catch let error as WAMPError {
            #expect(error.uri == "wamp.error.runtime_error")
        }
        do {
            _ = try await caller.call(TestClient.uri("missing"))
            Issue.record("call should fail")
        } catch let error as WAMPError {
            #expect(error.uri == "wamp.error.no_such_procedure")
        }
        // A second registration of the same URI is refused.
        await #expect(throws: WAMPError.self) { try await caller.register(failing) { _ in InvocationResult() } }
        await caller.leave()
        await callee.leave()
    }

    /// Progressive results when the dealer supports them, a single final result otherwise.
    static func progressiveCall(_ url: String) async throws {
        let callee = try await TestClient.connect(url)
        let caller = try await TestClient.connect(url)
        let countdown = TestClient.uri("countdown")
        try await callee.register(countdown) { invocation in
            for i in 1...3 { invocation.progress(InvocationResult(.int(Int64(i)))) }
            return InvocationResult("done")
        }
        var received: [CallResult] = []
        for try await result in caller.callProgressive(countdown) {
            received.append(result)
        }
        #expect(received.last?.args == ["done"])
        #expect(received.last?.isProgress == false)
        if caller.session?.dealerSupports("progressive_call_results") == true {
            #expect(received.map(\.args) == [[1], [2], [3], ["done"]])
        } else {
            #expect(received.count == 1)
        }
        await caller.leave()
        await callee.leave()
    }

    /// Cancelling the calling task stops the call at once; with call canceling the callee's
    /// handler is cancelled too. A timeout ends a call with `wamp.error.timeout`.
    static func cancelAndTimeout(_ url: String) async throws {
        let callee = try await TestClient.connect(url)
        let caller = try await TestClient.connect(url)
        let slow = TestClient.uri("slow")
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let (interrupted, interruptedContinuation) = AsyncStream.makeStream(of: Void.self)
        try await callee.register(slow) { _ in
            startedContinuation.yield()
            do {
                try await Task.sleep(for: .seconds(30))
            } catch {
                interruptedContinuation.yield()
                throw error
            }
            return InvocationResult("late")
        }
        let call = Task { try await caller.call(slow) }
        var iterator = started.makeAsyncIterator()
        await iterator.next()
        let clock = ContinuousClock()
        let start = clock.now
        call.cancel()
        await #expect(throws: CancellationError.self) { try await call.value }
        #expect(clock.now - start < .seconds(5))
        if caller.session?.dealerSupports("call_canceling") == true {
            var interruptions = interrupted.makeAsyncIterator()
            await interruptions.next()  // the callee's handler was cancelled through INTERRUPT
        }

        do {
            _ = try await caller.call(slow, options: CallOptions(timeout: .milliseconds(300)))
            Issue.record("call should time out")
        } catch let error as WAMPError {
            #expect(error.uri == "wamp.error.timeout")
        }
        await caller.leave()
        await callee.leave()
    }

    /// Subscribe (sequence and handler forms), acknowledged and plain publish, unsubscribe.
    static func publishSubscribe(subscriber subscriberURL: String, publisher publisherURL: String, serializer: SerializerKind)
        async throws
    {
        let subscriber = try await TestClient.connect(subscriberURL, serializer: serializer)
        let publisher = try await TestClient.connect(publisherURL, serializer: serializer)
        let topic = TestClient.uri("news")
        let subscription = try await subscriber.subscribe(topic)
        let (handled, handledContinuation) = AsyncStream.makeStream(of: Event.self)
        let handlerSubscription = try await subscriber.subscribe(topic) { event in handledContinuation.yield(event) }

        let publication = try await publisher.publish(
            topic, args: ["hello", 1], kwargs: ["k": 2.5], options: PublishOptions(acknowledge: true))
        #expect(publication != nil)
        try await publisher.publish(topic, args: ["second"])

        var events = subscription.makeAsyncIterator()
        let first = await events.next()
        #expect(first?.args == ["hello", 1])
        #expect(first?.kwargs["k"]?.doubleValue == 2.5)
        #expect(await events.next()?.args == ["second"])
        var handledEvents = handled.makeAsyncIterator()
        #expect(await handledEvents.next()?.args == ["hello", 1])

        try await subscription.unsubscribe()
        #expect(await events.next() == nil)  // the sequence ended
        try await publisher.publish(topic, args: ["third"], options: PublishOptions(acknowledge: true))
        #expect(await handledEvents.next()?.args == ["second"])
        #expect(await handledEvents.next()?.args == ["third"])  // the other subscription still works
        try await handlerSubscription.unsubscribe()

        // The publisher is excluded by default and included on request.
        let own = try await publisher.subscribe(topic)
        try await publisher.publish(topic, args: ["mine"], options: PublishOptions(acknowledge: true, excludeMe: false))
        var ownEvents = own.makeAsyncIterator()
        #expect(await ownEvents.next()?.args == ["mine"])
        await subscriber.leave()
        await publisher.leave()
    }

    /// After the router restarts, registrations and subscriptions come back without any help.
    static func reconnect(
        url: String, restart: () async throws -> Void, observe: Bool = true
    ) async throws {
        let policy = ReconnectPolicy(initialDelay: .milliseconds(100), maxDelay: .seconds(1), jitter: 0.2)
        let client = try await TestClient.connect(url, reconnect: policy)
        let states = client.connectionStates()
        let procedure = TestClient.uri("survivor")
        let topic = TestClient.uri("survivor.topic")
        try await client.register(procedure) { _ in InvocationResult("still here") }
        let subscription = try await client.subscribe(topic)
        let firstSession = client.session?.sessionID

        try await restart()

        // Wait for the re-join and the restored registration, then use both from a new client.
        let other = try await TestClient.connect(url)
        let deadline = ContinuousClock.now + .seconds(60)
        var answer: CallResult?
        while answer == nil, ContinuousClock.now < deadline {
            answer = try? await other.call(procedure)
            if answer == nil { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(answer?.args == ["still here"])
        #expect(client.session?.sessionID != firstSession)

        let log = EventLog()
        let collector = Task { for await event in subscription { log.append(event) } }
        var delivered = false
        while !delivered, ContinuousClock.now < deadline {
            try await other.publish(topic, args: ["after restart"], options: PublishOptions(acknowledge: true))
            try await Task.sleep(for: .milliseconds(300))
            delivered = log.events.contains { $0.args == ["after restart"] }
        }
        collector.cancel()
        #expect(delivered)

        if observe {
            var seen: [ConnectionState] = []
            for await state in states {
                seen.append(state)
                if case .joined = state, seen.contains(.disconnected) { break }
            }
            #expect(seen.contains(.disconnected))
            #expect(seen.contains { if case .reconnecting = $0 { return true } else { return false } })
        }
        await other.leave()
        await client.leave()
        #expect(client.connectionState == .closed)
    }
}

/// Events collected by a background task, readable from the test.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Event] = []

    func append(_ event: Event) {
        self.lock.lock()
        defer { self.lock.unlock() }
        self.stored.append(event)
    }

    var events: [Event] {
        self.lock.lock()
        defer { self.lock.unlock() }
        return self.stored
    }
}
