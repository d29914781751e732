import NIOCore
import Testing
import WAMPCore

@testable import JunctionServer

/// Sessions spread over two event loops while the realm runs on one: messages between loops go
/// through the loops' mailboxes in batches. Nothing may be lost, duplicated or reordered.
@Suite struct CrossLoopDeliveryTests {
    /// Joined sessions subscribed to `topic`, one per serializer given; consecutive connections
    /// land on alternating loops.
    static func subscribers(
        to topic: String, serializers: [SerializerKind], server: TestServer
    ) async throws -> [RawSocketTestClient] {
        var subscribers: [RawSocketTestClient] = []
        for serializer in serializers {
            let (subscriber, _) = try await RawSocketTestClient.joined(
                to: server.rawSocket, serializer: serializer, group: server.group)
            try await subscriber.send(.subscribe(.init(request: 1, topic: topic)))
            let reply = try await subscriber.receive()
            guard case .subscribed = reply else {
                throw TestFailure("expected SUBSCRIBED, got \(reply)")
            }
            subscribers.append(subscriber)
        }
        return subscribers
    }

    /// A burst of publications reaches every subscriber, on either loop, complete and in order.
    @Test func fannedOutBurstArrivesCompleteAndInOrder() async throws {
        try await withTestServer(eventLoops: 2) { server in
            let subscribers = try await Self.subscribers(
                to: "com.example.burst", serializers: (0..<6).map { SerializerKind.allCases[$0 % 3] }, server: server)
            let (publisher, _) = try await RawSocketTestClient.joined(
                to: server.rawSocket, serializer: .json, group: server.group)
            let count = 300
            for sequence in 0..<count {
                try await publisher.send(
                    .publish(.init(request: UInt64(sequence + 1), topic: "com.example.burst", payload: .init(args: [.int(Int64(sequence))]))))
            }
            for subscriber in subscribers {
                for expected in 0..<count {
                    guard case .event(let event) = try await subscriber.receive() else {
                        Issue.record("expected EVENT \(expected)")
                        return
                    }
                    #expect(event.payload.args?.first?.signedInteger == Int64(expected))
                }
            }
            for client in subscribers + [publisher] { await client.close() }
        }
    }

    /// Publications larger than the per-loop memo keeps (64 KiB) take the uncached path, on both
    /// loops, and still arrive whole and in order.
    @Test func largePublicationsReachEveryLoopWhole() async throws {
        try await withTestServer(eventLoops: 2) { server in
            let subscribers = try await Self.subscribers(
                to: "com.example.large", serializers: [.msgpack, .json, .msgpack, .json], server: server)
            let (publisher, _) = try await RawSocketTestClient.joined(
                to: server.rawSocket, serializer: .msgpack, group: server.group)
            let payloads = (0..<3).map { String(repeating: Character(UnicodeScalar(UInt8(97 + $0))), count: 100_000 + $0) }
            for (index, payload) in payloads.enumerated() {
                try await publisher.send(
                    .publish(.init(request: UInt64(index + 1), topic: "com.example.large", payload: .init(args: [.string(payload)]))))
            }
            for subscriber in subscribers {
                for payload in payloads {
                    guard case .event(let event) = try await subscriber.receive() else {
                        Issue.record("expected EVENT")
                        return
                    }
                    #expect(event.payload.args?.first?.stringValue == payload)
                }
            }
            for client in subscribers + [publisher] { await client.close() }
        }
    }

    /// Callers on both loops, one callee: every call gets its own result, in the caller's order.
    @Test func callsFromBothLoopsAreAnsweredInOrder() async throws {
        try await withTestServer(eventLoops: 2) { server in
            let (callee, _) = try await RawSocketTestClient.joined(
                to: server.rawSocket, serializer: .msgpack, group: server.group)
            try await callee.send(.register(.init(request: 1, procedure: "com.example.echo")))
            guard case .registered = try await callee.receive() else {
                Issue.record("no REGISTERED")
                return
            }
            var callers: [RawSocketTestClient] = []
            for _ in 0..<4 {
                let (caller, _) = try await RawSocketTestClient.joined(
                    to: server.rawSocket, serializer: .json, group: server.group)
                callers.append(caller)
            }
            let callsPerCaller = 50
            for request in 1...callsPerCaller {
                for (index, caller) in callers.enumerated() {
                    try await caller.send(
                        .call(
                            .init(
                                request: UInt64(request), procedure: "com.example.echo",
                                payload: .init(args: [.int(Int64(index)), .int(Int64(request))]))))
                }
            }
            // The callee answers every invocation with its own arguments.
            for _ in 0..<(callsPerCaller * callers.count) {
                guard case .invocation(let invocation) = try await callee.receive() else {
                    Issue.record("expected INVOCATION")
                    return
                }
                try await callee.send(.yield(.init(request: invocation.request, payload: invocation.payload)))
            }
            for (index, caller) in callers.enumerated() {
                for request in 1...callsPerCaller {
                    guard case .result(let result) = try await caller.receive() else {
                        Issue.record("expected RESULT")
                        return
                    }
                    #expect(result.request == UInt64(request))
                    #expect(result.payload.args == [.int(Int64(index)), .int(Int64(request))])
                }
            }
            for client in callers + [callee] { await client.close() }
        }
    }
}

private struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
