import JunctionRouter
import Synchronization
import Testing
import WAMPCore

@testable import JunctionServer

// The code of README.md's "Embedding: in-process sessions" section (after the server's start,
// which here listens on ephemeral ports), kept here so it compiles and runs. Keep the two in sync.

func readmeLocalSessionExample(server: JunctionServer, ticks: Ticks) async throws -> WAMPList {
    let realm = server.router.realm(named: "realm1")!
    let session = try await LocalSession.join(realm, authid: "billing", authrole: "anonymous")

    try await session.register("com.example.add") { invocation in
        let sum = invocation.args.compactMap(\.signedInteger).reduce(0, +)
        return LocalSession.InvocationResult(.int(sum))
    }
    let sum = try await session.call("com.example.add", args: [2, 3])
    print(sum.args)  // [.int(5)]

    let subscription = try await session.subscribe("com.example.tick") { event in
        print("tick", event.args)
        ticks.events.withLock { $0.append(event.args) }
    }
    try await session.publish("com.example.tick", args: [1], options: ["exclude_me": false], acknowledge: true)
    try await subscription.unsubscribe()
    await session.leave()
    return sum.args
}

/// The events the example's subscription handler saw.
final class Ticks: Sendable {
    let events = Mutex<[WAMPList]>([])
}

@Suite struct ReadmeLocalSessionTests {
    @Test func theReadmeExampleRuns() async throws {
        try await withTestServer { server in
            let ticks = Ticks()
            let sum = try await readmeLocalSessionExample(server: server.server, ticks: ticks)
            #expect(sum == [.int(5)])
            // Handlers run as their own tasks: the event may reach it just after the publication's answer.
            for _ in 0..<100 where ticks.events.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(10)) }
            #expect(ticks.events.withLock { $0 } == [[.int(1)]])
        }
    }
}
