import NIOCore
import NIOPosix
import Testing

@testable import JunctionServer

/// The registry's waits end on close futures: as soon as the last connection closes, after the
/// timeout (closing the rest), or at once when cancelled.
@Suite struct ConnectionRegistryTests {
    /// `count` client connections to a throwaway listener, and the listener.
    private static func connections(_ count: Int) async throws -> ([any Channel], any Channel) {
        let group = MultiThreadedEventLoopGroup.singleton
        let listener = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        var channels: [any Channel] = []
        for _ in 0..<count {
            channels.append(try await ClientBootstrap(group: group).connect(to: listener.localAddress!).get())
        }
        return (channels, listener)
    }

    @Test func drainEndsWhenTheLastConnectionCloses() async throws {
        let (channels, listener) = try await Self.connections(2)
        defer { listener.close(promise: nil) }
        let registry = ConnectionRegistry()
        for channel in channels { registry.add(channel) }
        let started = ContinuousClock.now
        let draining = Task { await registry.drain(timeout: .seconds(60)) }
        for channel in channels { try await channel.close() }
        await draining.value
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(registry.count == 0)
    }

    @Test func drainClosesWhatIsLeftAfterTheTimeout() async throws {
        let (channels, listener) = try await Self.connections(2)
        defer { listener.close(promise: nil) }
        let registry = ConnectionRegistry()
        for channel in channels { registry.add(channel) }
        await registry.drain(timeout: .milliseconds(50))
        #expect(registry.count == 0)
        #expect(channels.allSatisfy { !$0.isActive })
    }

    @Test func aCancelledDrainClosesEverythingAtOnce() async throws {
        let (channels, listener) = try await Self.connections(1)
        defer { listener.close(promise: nil) }
        let registry = ConnectionRegistry()
        registry.add(channels[0])
        let started = ContinuousClock.now
        let draining = Task { await registry.drain(timeout: .seconds(60)) }
        draining.cancel()
        await draining.value
        #expect(ContinuousClock.now - started < .seconds(20))
        try await channels[0].closeFuture.get()
    }

    @Test func aConnectionAddedAfterTheDrainIsClosed() async throws {
        let (channels, listener) = try await Self.connections(1)
        defer { listener.close(promise: nil) }
        let registry = ConnectionRegistry()
        await registry.drain(timeout: .seconds(60))
        registry.add(channels[0])
        try await channels[0].closeFuture.get()
        #expect(registry.count == 0)
    }
}
