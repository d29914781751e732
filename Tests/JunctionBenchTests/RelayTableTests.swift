import Testing

@testable import junction_bench

/// Stands for a connection: `RelayTable` tells connections apart by identity.
private final class Connection {
    var id: ObjectIdentifier { ObjectIdentifier(self) }
}

@Suite struct RelayTableTests {
    @Test func callAndYieldPairUp() throws {
        let callee = Connection()
        let caller = Connection()
        var table = RelayTable<String, String>()
        #expect(table.nextCallee { _ in true } == nil)
        table.addCallee("callee", id: callee.id)
        table.addCallee("callee", id: callee.id)  // registering twice is still one callee
        #expect(table.calleeCount == 1)
        #expect(table.nextCallee { _ in true } == "callee")
        let invocation = table.nextInvocationID()
        table.remember(invocation, callee: callee.id, caller: "caller", callerID: caller.id, request: 42)
        // A YIELD from a connection the invocation did not go to answers nothing, and keeps it.
        #expect(table.yield(invocation, from: caller.id) == nil)
        let yielded = table.yield(invocation, from: callee.id)
        let answer = try #require(yielded)
        #expect(answer.caller == "caller")
        #expect(answer.request == 42)
        #expect(table.yield(invocation, from: callee.id) == nil)
        #expect(table.pendingCount == 0)
    }

    @Test func roundRobinAmongAcceptedCallees() {
        let connections = (0..<3).map { _ in Connection() }
        var table = RelayTable<String, String>()
        for (index, connection) in connections.enumerated() { table.addCallee("c\(index)", id: connection.id) }
        #expect((0..<6).map { _ in table.nextCallee { _ in true }! } == ["c0", "c1", "c2", "c0", "c1", "c2"])
        // Only some accepted (another serializer): the others are skipped, the order kept.
        #expect((0..<4).map { _ in table.nextCallee { $0 != "c1" }! } == ["c0", "c2", "c0", "c2"])
        #expect(table.nextCallee { _ in false } == nil)
        table.removeCallee(id: connections[0].id)
        #expect((0..<4).map { _ in table.nextCallee { _ in true }! }.sorted() == ["c1", "c1", "c2", "c2"])
    }

    @Test func closedConnectionsAreForgotten() {
        let callees = [Connection(), Connection()]
        let callers = [Connection(), Connection()]
        var table = RelayTable<String, String>()
        for callee in callees { table.addCallee("callee", id: callee.id) }
        var invocations: [UInt64] = []
        for (request, (callee, caller)) in [(0, 0), (0, 1), (1, 0), (1, 1)].enumerated() {
            let invocation = table.nextInvocationID()
            invocations.append(invocation)
            table.remember(
                invocation, callee: callees[callee].id, caller: "caller\(caller)", callerID: callers[caller].id,
                request: UInt64(request))
        }
        #expect(Set(invocations).count == 4)
        table.removeCallee(id: callees[0].id)
        #expect(table.calleeCount == 1)
        #expect(table.pendingCount == 2)
        #expect(table.yield(invocations[0], from: callees[0].id) == nil)
        table.dropCalls(from: callers[0].id)
        #expect(table.pendingCount == 1)
        #expect(table.yield(invocations[2], from: callees[1].id) == nil)
        #expect(table.yield(invocations[3], from: callees[1].id)?.request == 3)
    }

    @Test func invocationIDsOfDifferentLoopsNeverCollide() {
        var tables = (0..<3).map { RelayTable<String, String>(loopIndex: $0, loopCount: 3) }
        var seen: Set<UInt64> = []
        for _ in 0..<100 {
            for index in tables.indices { seen.insert(tables[index].nextInvocationID()) }
        }
        #expect(seen.count == 300)
        #expect(seen.min() == 1)
    }
}
