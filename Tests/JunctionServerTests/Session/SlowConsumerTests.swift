import Foundation
import JunctionRouter
import Logging
import NIOCore
import NIOPosix
import Testing
import WAMPCore

@testable import JunctionServer

/// One subscriber stops reading while a publisher floods: the router bounds what it holds for
/// it, keeps serving the other subscriber completely, and counts what it dropped.
@Suite struct SlowConsumerTests {
    static func startServer(policy: SlowConsumerPolicy) async throws -> (JunctionServer, MultiThreadedEventLoopGroup) {
        var configuration = JunctionConfiguration(
            realms: [RealmConfiguration(name: "realm1", roles: [.allowAll(name: "anonymous")], slowConsumer: policy)],
            transports: [.rawSocket(.init(endpoint: .tcp(host: "127.0.0.1", port: 0)))])
        configuration.eventLoops = 1
        configuration.limits.outboundQueueMessages = 500
        configuration.limits.outboundQueueBytes = 512 * 1024
        var logger = Logger(label: "slow-consumer-test")
        logger.logLevel = .critical
        let server = try await JunctionServer.start(configuration: configuration, logger: logger)
        return (server, MultiThreadedEventLoopGroup(numberOfThreads: 1))
    }

    /// Publishes `count` 1 KiB events in acknowledged batches, so the reading subscriber (which
    /// keeps up) is never the one that falls behind.
    func flood(_ publisher: RawSocketTestClient, count: Int) async throws {
        let blob = WAMPValue.binary(Array(repeating: 0xAB, count: 1024))
        for n in 1...count {
            let acknowledge = n % 50 == 0
            try await publisher.send(
                .publish(
                    .init(
                        request: UInt64(n), options: acknowledge ? ["acknowledge": true] : [:], topic: "com.flood",
                        payload: .init(args: [.int(Int64(n)), blob]))))
            if acknowledge {
                guard case .published = try await publisher.receive(timeout: .seconds(10)) else {
                    throw TestClientFailure.unexpected("no PUBLISHED")
                }
            }
        }
    }

    @Test func dropPolicyBoundsTheQueueAndOthersGetEverything() async throws {
        let (server, group) = try await Self.startServer(policy: .drop)
        let address = server.boundAddresses[0]
        let (stalled, _) = try await RawSocketTestClient.joined(to: address, serializer: .msgpack, group: group)
        let (reader, _) = try await RawSocketTestClient.joined(to: address, serializer: .msgpack, group: group)
        for client in [stalled, reader] {
            try await client.send(.subscribe(.init(request: 1, topic: "com.flood")))
            _ = try await client.receive()
        }
        try await stalled.channel.setOption(.autoRead, value: false).get()
        let (publisher, _) = try await RawSocketTestClient.joined(to: address, serializer: .msgpack, group: group)

        let count = 30_000
        let consumer = Task {
            for n in 1...count {
                guard case .event(let event) = try await reader.receive(timeout: .seconds(20)) else {
                    throw TestClientFailure.unexpected("not an EVENT")
                }
                guard event.payload.args?.first?.signedInteger == Int64(n) else {
                    throw TestClientFailure.unexpected("event \(n) out of order: \(String(describing: event.payload.args?.first))")
                }
            }
        }
        try await self.flood(publisher, count: count)
        try await consumer.value

        // 30 MiB were published; the stalled subscriber's socket buffers hold a few MiB and its
        // queue at most 500 messages / 512 KiB: the rest was dropped and counted.
        #expect(server.statistics.droppedEvents > count / 2)
        #expect(server.statistics.slowConsumerDisconnects == 0)
        await stalled.close()
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func disconnectPolicyEndsTheSlowSession() async throws {
        let (server, group) = try await Self.startServer(policy: .disconnect)
        let address = server.boundAddresses[0]
        let (stalled, _) = try await RawSocketTestClient.joined(to: address, group: group)
        try await stalled.send(.subscribe(.init(request: 1, topic: "com.flood")))
        _ = try await stalled.receive()
        try await stalled.channel.setOption(.autoRead, value: false).get()
        let (publisher, _) = try await RawSocketTestClient.joined(to: address, group: group)
        try await self.flood(publisher, count: 20_000)
        #expect(server.statistics.slowConsumerDisconnects == 1)
        #expect(server.statistics.droppedEvents == 0)
        try await stalled.channel.setOption(.autoRead, value: true).get()
        try await stalled.waitUntilClosed(timeout: .seconds(10))
        await server.shutdown()
        try await group.shutdownGracefully()
    }
}
