import JunctionClient
import JunctionCluster
import JunctionRedis
import RESPCore
import RedisTestSupport
import Testing
import WAMPCore

/// RPC across three nodes and one real `redis-server` in this process: registrations are
/// cluster-wide, calls cross to the callee's node and back, and nothing waits forever when a
/// callee's node dies.
@Suite(.enabled(if: RedisTestServer.isAvailable, Comment(rawValue: RedisTestServer.skipMessage)), .serialized)
struct ClusterRPCTests {
    private static func procedure() -> String { "com.test.crpc.r\(UInt32.random(in: 0...UInt32.max))" }

    /// Waits until a client on some node can see `count` callees of `procedure` (the registry
    /// reaches other nodes within about 50 ms).
    private static func waitForCallees(
        _ procedure: String, count: Int = 1, on client: WAMPClient, nodes: ClusterTestNodes, seconds: Double = 10
    ) async throws {
        try await nodes.waitUntil("\(count) callee(s) of \(procedure) visible", seconds: seconds) {
            guard let id = try? await client.call("wamp.registration.match", args: [.string(procedure)]).args.first,
                let registration = id.unsignedInteger,
                let callees = try? await client.call(
                    "wamp.registration.count_callees", args: [.uint(registration)]).args.first?.unsignedInteger
            else { return false }
            return callees == UInt64(count)
        }
    }

    @Test func aCallOnOneNodeReachesTheCalleeOnAnotherWithCallerDisclosureAndBinaryArgs() async throws {
        try await withCluster { nodes in
            let procedure = Self.procedure()
            let callee = try await nodes.client(1)
            try await callee.register(procedure, options: RegisterOptions(extra: ["disclose_caller": true])) {
                invocation in
                InvocationResult(
                    args: invocation.args,
                    kwargs: [
                        "caller": invocation.details["caller"] ?? .null,
                        "caller_authid": invocation.details["caller_authid"] ?? .null,
                    ])
            }
            let caller = try await nodes.client(0)
            try await Self.waitForCallees(procedure, on: caller, nodes: nodes)
            let bytes: [UInt8] = [0, 1, 2, 0xFE, 0xFF]
            let result = try await caller.call(procedure, args: [.int(7), .binary(bytes), .string("ü")])
            #expect(result.args == [.int(7), .binary(bytes), .string("ü")])
            #expect(result.kwargs["caller"]?.unsignedInteger == caller.session?.sessionID)
            #expect(result.kwargs["caller_authid"]?.stringValue == caller.session?.authid)
            await caller.close()
            await callee.close()
        }
    }

    @Test func aSharedRegistrationSpreadsCallsOverCalleesOnSeveralNodes() async throws {
        try await withCluster { nodes in
            let procedure = Self.procedure()
            let calleeB = try await nodes.client(1)
            let calleeC = try await nodes.client(2)
            for (client, name) in [(calleeB, "b"), (calleeC, "c")] {
                try await client.register(procedure, options: RegisterOptions(invoke: "roundrobin")) { _ in
                    InvocationResult(args: [.string(name)])
                }
            }
            let caller = try await nodes.client(0)
            try await Self.waitForCallees(procedure, count: 2, on: caller, nodes: nodes)
            var served: [String: Int] = [:]
            for _ in 0..<6 {
                let result = try await caller.call(procedure)
                served[result.args.first?.stringValue ?? "?", default: 0] += 1
            }
            #expect(served == ["b": 3, "c": 3])
            await caller.close()
            await calleeB.close()
            await calleeC.close()
        }
    }

    @Test func progressiveResultsCrossNodesInOrder() async throws {
        try await withCluster(["node-a", "node-b"]) { nodes in
            let procedure = Self.procedure()
            let callee = try await nodes.client(1)
            try await callee.register(procedure) { invocation in
                for index in 0..<3 { invocation.progress(InvocationResult(args: [.int(Int64(index))])) }
                return InvocationResult(args: [.string("done")])
            }
            let caller = try await nodes.client(0)
            try await Self.waitForCallees(procedure, on: caller, nodes: nodes)
            var results: [CallResult] = []
            for try await result in caller.callProgressive(procedure) { results.append(result) }
            #expect(results.map(\.isProgress) == [true, true, true, false])
            #expect(results.map { $0.args.first } == [.int(0), .int(1), .int(2), .string("done")])
            await caller.close()
            await callee.close()
        }
    }

    @Test func cancelAndTimeoutInterruptTheCalleeOnItsNode() async throws {
        try await withCluster(["node-a", "node-b"]) { nodes in
            let procedure = Self.procedure()
            let interrupted = Counter()
            let callee = try await nodes.client(1)
            try await callee.register(procedure) { _ in
                do {
                    try await Task.sleep(for: .seconds(30))
                } catch {
                    await interrupted.increment()
                    throw error
                }
                return InvocationResult()
            }
            let caller = try await nodes.client(0)
            try await Self.waitForCallees(procedure, on: caller, nodes: nodes)

            // The dealer's timeout (no client-side timer): ERROR timeout, INTERRUPT across.
            await #expect {
                _ = try await caller.call(procedure, options: CallOptions(extra: ["timeout": 200]))
            } throws: { error in
                (error as? WAMPError)?.uri == WAMPErrorURI.timeout
            }
            try await nodes.waitUntil("the callee was interrupted after the timeout") { await interrupted.value == 1 }

            // CANCEL (killnowait) from the caller's task.
            let call = Task { try await caller.call(procedure) }
            try await Task.sleep(for: .milliseconds(200))
            call.cancel()
            _ = await call.result
            try await nodes.waitUntil("the callee was interrupted after the cancel") { await interrupted.value == 2 }
            await caller.close()
            await callee.close()
        }
    }

    @Test func aCalleeNodeThatDiesEndsPendingCallsInErrorAndItsRegistrationsVanish() async throws {
        try await withCluster(["node-a", "node-b"]) { nodes in
            let procedure = Self.procedure()
            let callee = try await nodes.client(1)
            try await callee.register(procedure) { _ in
                try await Task.sleep(for: .seconds(60))
                return InvocationResult()
            }
            let caller = try await nodes.client(0)
            try await Self.waitForCallees(procedure, on: caller, nodes: nodes)
            let started = ContinuousClock.now
            let call = Task { try await caller.call(procedure) }
            try await Task.sleep(for: .milliseconds(200))
            nodes.node(1).crash()
            let outcome = await call.result
            #expect(throws: WAMPError.self) { try outcome.get() }
            if case .failure(let error as WAMPError) = outcome {
                #expect([WAMPErrorURI.canceled, "wamp.error.network_failure"].contains(error.uri))
            }
            // Eviction after 3 s in these tests, plus a heartbeat or two.
            #expect(ContinuousClock.now - started < .seconds(8))
            let match = try await caller.call("wamp.registration.match", args: [.string(procedure)])
            #expect(match.args.first?.isNull == true)
            await #expect {
                _ = try await caller.call(procedure)
            } throws: { error in
                (error as? WAMPError)?.uri == WAMPErrorURI.noSuchProcedure
            }
            await caller.close()
            await callee.close()
        }
    }

    @Test func killedPubSubConnectionsEndCallsInFlightWithNetworkFailureAndCallsWorkAgainAfter() async throws {
        try await withCluster(["node-a", "node-b"]) { nodes in
            let procedure = Self.procedure()
            let callee = try await nodes.client(1)
            try await callee.register(procedure) { invocation in
                if invocation.args.first == "slow" { try await Task.sleep(for: .seconds(30)) }
                return InvocationResult(args: ["ok"])
            }
            let caller = try await nodes.client(0)
            try await Self.waitForCallees(procedure, on: caller, nodes: nodes)
            let call = Task { try await caller.call(procedure, args: ["slow"]) }
            try await Task.sleep(for: .milliseconds(200))
            let admin = try await nodes.redis.connect()
            let killed = try await admin.send("CLIENT", "KILL", "TYPE", "pubsub")
            #expect((killed.integer ?? 0) >= 2)
            await #expect {
                _ = try await call.value
            } throws: { error in
                (error as? WAMPError)?.uri == "wamp.error.network_failure"
            }
            try await nodes.waitUntil("a call crosses again after the reconnect") {
                (try? await caller.call(procedure, args: ["fast"]).args) == ["ok"]
            }
            await admin.close()
            await caller.close()
            await callee.close()
        }
    }

    @Test func afterARedisRestartRegistrationsAndClaimsAreRestoredAndCallsCrossAgain() async throws {
        try await withCluster(["node-a", "node-b"]) { nodes in
            let procedure = Self.procedure()
            let callee = try await nodes.client(1)
            try await callee.register(procedure) { _ in InvocationResult(args: ["ok"]) }
            let caller = try await nodes.client(0)
            try await Self.waitForCallees(procedure, on: caller, nodes: nodes)
            try await nodes.redis.restart()
            try await nodes.waitUntil("a call crosses again after the Redis restart", seconds: 20) {
                (try? await caller.call(procedure).args) == ["ok"]
            }
            // The claim of B's single registration is back in Redis: A may not take the procedure.
            let other = try await nodes.client(0)
            try await nodes.waitUntil("B's claim is restored", seconds: 10) {
                let admin = try? await nodes.redis.connect()
                defer { if let admin { Task { await admin.close() } } }
                let keys = try? await admin?.send("KEYS", "junction:claim:*")
                return (keys?.elements ?? []).compactMap(\.string).contains { $0.hasSuffix(":exact:\(procedure)") }
            }
            await #expect {
                try await other.register(procedure) { _ in InvocationResult() }
            } throws: { error in
                (error as? WAMPError)?.uri == WAMPErrorURI.procedureAlreadyExists
            }
            await other.close()
            await caller.close()
            await callee.close()
        }
    }

    @Test func aSingleRegistrationIsUniqueAcrossNodesEvenWhenRacing() async throws {
        try await withCluster { nodes in
            let clients = [try await nodes.client(0), try await nodes.client(1), try await nodes.client(2)]
            for round in 0..<5 {
                let procedure = Self.procedure() + ".\(round)"
                let outcomes = await withTaskGroup(of: Bool.self) { group in
                    for client in clients {
                        group.addTask {
                            do {
                                try await client.register(procedure) { _ in InvocationResult() }
                                return true
                            } catch let error as WAMPError {
                                #expect(error.uri == WAMPErrorURI.procedureAlreadyExists)
                                return false
                            } catch {
                                Issue.record(error)
                                return false
                            }
                        }
                    }
                    var outcomes: [Bool] = []
                    for await outcome in group { outcomes.append(outcome) }
                    return outcomes
                }
                #expect(outcomes.filter { $0 }.count == 1, "round \(round): \(outcomes)")
            }
            // After the registrations propagated, a later REGISTER on another node is refused too.
            let procedure = Self.procedure()
            try await clients[1].register(procedure) { _ in InvocationResult() }
            try await Self.waitForCallees(procedure, on: clients[0], nodes: nodes)
            await #expect {
                try await clients[0].register(procedure) { _ in InvocationResult() }
            } throws: { error in
                (error as? WAMPError)?.uri == WAMPErrorURI.procedureAlreadyExists
            }
            for client in clients { await client.close() }
        }
    }
}

actor Counter {
    private(set) var value = 0
    func increment() { self.value += 1 }
}
