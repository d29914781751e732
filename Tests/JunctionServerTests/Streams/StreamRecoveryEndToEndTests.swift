import Foundation
import JunctionClient
import JunctionRouter
import JunctionStorage
import Logging
import NIOCore
import Testing
import WAMPCore

@testable import JunctionServer

/// Streams end to end: a `WAMPClient` subscriber behind a `TCPGate` goes offline while events are
/// published, comes back by itself and gets exactly what it missed, in order, then live events.
@Suite(.serialized) struct StreamRecoveryEndToEndTests {
    static let topic = "com.stream.feed"

    static func configuration(limit: Int = 1000, storage: StorageConfiguration = .memory) -> JunctionConfiguration {
        var realm = RealmConfiguration.openRealm(named: "realm1")
        realm.eventHistory = [EventHistoryRule(uri: "com.stream.", match: .prefix, limit: limit)]
        var configuration = JunctionConfiguration(
            realms: [realm], transports: [.rawSocket(.init(endpoint: .tcp(host: "127.0.0.1", port: 0)))])
        configuration.eventLoops = 2
        configuration.storage = storage
        return configuration
    }

    static func start(_ configuration: JunctionConfiguration) async throws -> JunctionServer {
        var logger = Logger(label: "streams-test")
        logger.logLevel = .critical
        return try await JunctionServer.start(configuration: configuration, logger: logger)
    }

    static func client(port: Int) async throws -> WAMPClient {
        let policy = ReconnectPolicy(initialDelay: .milliseconds(20), maxDelay: .milliseconds(100), jitter: 0)
        return try await WAMPClient.connect(
            try ClientConfiguration(url: "rs://127.0.0.1:\(port)", realm: "realm1", reconnect: policy))
    }

    /// Publishes `range` (acknowledged, one at a time, so the order is the publication order).
    static func publish(_ publisher: WAMPClient, _ range: ClosedRange<Int>, topic: String = Self.topic) async throws {
        for n in range {
            try await publisher.publish(topic, args: [.int(Int64(n))], options: PublishOptions(acknowledge: true))
        }
    }

    /// Waits until the client has rejoined after a drop.
    static func waitUntilJoined(_ client: WAMPClient) async {
        for await state in client.connectionStates() {
            if case .joined = state { return }
        }
    }

    static func nextEvents(_ iterator: inout Subscription.AsyncIterator, _ count: Int) async -> [Event] {
        var events: [Event] = []
        while events.count < count, let event = await withTimeout(iterator: &iterator) { events.append(event) }
        return events
    }

    @Test func aSubscriberThatDroppedGetsExactlyTheHundredMissedEventsThenLiveOnes() async throws {
        let server = try await Self.start(Self.configuration())
        let gate = try await TCPGate(forwardingTo: server.boundAddresses[0])
        let publisher = try await Self.client(port: server.boundAddresses[0].port!)
        let subscriber = try await Self.client(port: gate.port)
        let subscription = try await subscriber.subscribe(Self.topic)
        var events = subscription.makeAsyncIterator()
        try await Self.publish(publisher, 1...1)
        let first = await Self.nextEvents(&events, 1)
        #expect(first.first?.streamPosition?.offset == 1)

        await gate.close()
        // Wait until the client noticed, so the 100 events are published while it is offline.
        for await state in subscriber.connectionStates() where state != .connecting {
            if case .joined = state { continue }
            break
        }
        try await Self.publish(publisher, 2...101)
        gate.open()
        await Self.waitUntilJoined(subscriber)
        try await Self.publish(publisher, 102...104)

        let received = await Self.nextEvents(&events, 103)
        #expect(received.map { $0.args.first?.signedInteger } == (2...104).map { Int64($0) })
        #expect(received.map { $0.streamPosition?.offset } == (2...104).map { UInt64($0) })
        #expect(received.prefix(100).filter(\.isRecovered).count == 100)
        // 102...104 may come recovered or live, depending on whether they were published before
        // the resubscription reached the router; either way exactly once and in order (above).
        #expect(Set(received.compactMap { $0.streamPosition?.epoch }).count == 1)

        await subscriber.close()
        await publisher.close()
        await gate.shutdown()
        await server.shutdown()
    }

    @Test func recoveryPastTheKeptWindowSurfacesRecoveryIncompleteThenLiveEvents() async throws {
        let server = try await Self.start(Self.configuration(limit: 10))
        let gate = try await TCPGate(forwardingTo: server.boundAddresses[0])
        let publisher = try await Self.client(port: server.boundAddresses[0].port!)
        let subscriber = try await Self.client(port: gate.port)
        let subscription = try await subscriber.subscribe(Self.topic)
        var events = subscription.makeAsyncIterator()
        try await Self.publish(publisher, 1...1)
        _ = await Self.nextEvents(&events, 1)
        await gate.close()
        try await Self.publish(publisher, 2...30)  // 2...20 fall out of the 10-event window
        gate.open()
        await Self.waitUntilJoined(subscriber)
        let marker = await Self.nextEvents(&events, 1).first
        #expect(marker?.recoveryIncomplete?.current[Self.topic]?.offset == 30)
        // Published right after the marker, possibly before the resubscription is in place: the
        // client resumes from the reported position, so these are not missed either way.
        try await Self.publish(publisher, 31...32)
        let live = await Self.nextEvents(&events, 2)
        #expect(live.map { $0.streamPosition?.offset } == [31, 32])
        await subscriber.close()
        await publisher.close()
        await gate.shutdown()
        await server.shutdown()
    }

    @Test func publicationsDuringTheResubscribeCauseNeitherDuplicatesNorGaps() async throws {
        let server = try await Self.start(Self.configuration())
        let gate = try await TCPGate(forwardingTo: server.boundAddresses[0])
        let publisher = try await Self.client(port: server.boundAddresses[0].port!)
        let subscriber = try await Self.client(port: gate.port)
        let subscription = try await subscriber.subscribe(Self.topic)
        var events = subscription.makeAsyncIterator()
        try await Self.publish(publisher, 1...1)
        _ = await Self.nextEvents(&events, 1)
        let firstSession = subscriber.session?.sessionID
        // Publish 400 events without pause while the subscriber drops twice and resubscribes.
        let publishing = Task { try await Self.publish(publisher, 2...401) }
        for _ in 0..<2 {
            try await Task.sleep(for: .milliseconds(30))
            await gate.close()
            try await Task.sleep(for: .milliseconds(30))
            gate.open()
        }
        try await publishing.value
        let received = await Self.nextEvents(&events, 400)
        #expect(received.map { $0.streamPosition?.offset } == (2...401).map { UInt64($0) })
        #expect(received.map { $0.args.first?.signedInteger } == (2...401).map { Int64($0) })
        #expect(subscriber.session?.sessionID != firstSession)  // it did drop and rejoin
        await subscriber.close()
        await publisher.close()
        await gate.shutdown()
        await server.shutdown()
    }

    @Test func sqliteKeepsTheEpochAcrossACleanRestartAndMemoryDoesNot() async throws {
        let path = NSTemporaryDirectory() + "junction-streams-\(UInt32.random(in: 0...UInt32.max)).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        for storage in [StorageConfiguration(backend: .sqlite(path: path), sync: .always), .memory] {
            var server = try await Self.start(Self.configuration(storage: storage))
            var publisher = try await Self.client(port: server.boundAddresses[0].port!)
            let reader = try await Self.client(port: server.boundAddresses[0].port!)
            var seen = try await reader.subscribe(Self.topic).makeAsyncIterator()
            try await Self.publish(publisher, 1...5)
            try await publisher.publish(
                "com.stream.state", args: ["kept"], options: PublishOptions(acknowledge: true, extra: ["retain": true]))
            let epoch = try #require(await Self.nextEvents(&seen, 5).last?.streamPosition?.epoch)
            await reader.close()
            await publisher.close()
            await server.shutdown()

            server = try await Self.start(Self.configuration(storage: storage))
            publisher = try await Self.client(port: server.boundAddresses[0].port!)
            let subscriber = try await Self.client(port: server.boundAddresses[0].port!)
            let subscription = try await subscriber.subscribe(
                Self.topic, options: SubscribeOptions(recoverFrom: [Self.topic: StreamPosition(offset: 2, epoch: epoch)]))
            var events = subscription.makeAsyncIterator()
            let retained = try await subscriber.subscribe("com.stream.state", options: SubscribeOptions(extra: ["get_retained": true]))
            var retainedEvents = retained.makeAsyncIterator()
            if case .sqlite = storage.backend {
                let recovered = await Self.nextEvents(&events, 3)
                #expect(recovered.map { $0.streamPosition } == (3...5).map { StreamPosition(offset: UInt64($0), epoch: epoch) })
                let kept = await Self.nextEvents(&retainedEvents, 1)
                #expect(kept.first?.args == ["kept"])
            } else {
                let marker = await Self.nextEvents(&events, 1).first
                #expect(marker?.recoveryIncomplete != nil)
                #expect(marker?.recoveryIncomplete?.current[Self.topic]?.epoch != epoch)
            }
            try await Self.publish(publisher, 6...6)
            let live = await Self.nextEvents(&events, 1).first
            #expect(live?.args == [6])
            #expect(live?.streamPosition?.offset == (storage == .memory ? 1 : 6))
            await subscriber.close()
            await publisher.close()
            await server.shutdown()
        }
    }
}

/// The next element, or nil after 10 s (a test must fail, not hang).
func withTimeout(iterator: inout Subscription.AsyncIterator) async -> Event? {
    let box = IteratorBox(iterator)
    let result = await withTaskGroup(of: Event?.self) { group in
        group.addTask { await box.next() }
        group.addTask {
            try? await Task.sleep(for: .seconds(10))
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
    iterator = box.iterator
    return result
}

/// Lets a task group advance an iterator that the caller keeps using afterwards.
final class IteratorBox: @unchecked Sendable {
    var iterator: Subscription.AsyncIterator

    init(_ iterator: Subscription.AsyncIterator) {
        self.iterator = iterator
    }

    func next() async -> Event? {
        await self.iterator.next()
    }
}
