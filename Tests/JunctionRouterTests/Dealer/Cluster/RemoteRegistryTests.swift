import Testing

@testable import JunctionRouter

@Suite struct RemoteRegistryTests {
    static func registration(_ id: UInt64, callee: UInt64 = 1) -> RemoteRegistration {
        RemoteRegistration(
            registration: id, procedure: "p\(id)", match: .exact, invoke: .single, callee: callee, features: 0,
            discloseCaller: false)
    }

    @Test func updatesReportWhatWasAddedAndRemoved() {
        var registry = RemoteRegistry()
        let node = RemoteNode(node: "b", epoch: 1)
        var change = registry.update(node, registrations: [Self.registration(1), Self.registration(2)])
        #expect(change.added == [Self.registration(1), Self.registration(2)])
        #expect(change.removed.isEmpty && change.replaced == nil)
        change = registry.update(node, registrations: [Self.registration(2), Self.registration(3)])
        #expect(change.added == [Self.registration(3)])
        #expect(change.removed == [Self.registration(1)])
        #expect(registry.update(node, registrations: [Self.registration(2), Self.registration(3)]) == .init())
        #expect(registry.node(of: 1) == node)
    }

    @Test func aNewEpochReplacesTheWholeNode() {
        var registry = RemoteRegistry()
        _ = registry.update(RemoteNode(node: "b", epoch: 1), registrations: [Self.registration(1)])
        let change = registry.update(RemoteNode(node: "b", epoch: 2), registrations: [Self.registration(1)])
        #expect(change.replaced == RemoteNode(node: "b", epoch: 1))
        #expect(change.removed == [Self.registration(1)])
        #expect(change.added == [Self.registration(1)])
        #expect(registry.remove(node: "b")?.epoch == 2)
        #expect(registry.remove(node: "b") == nil)
    }
}

@Suite struct RemoteCallTableTests {
    @Test func translatesBothWaysAndForgetsFinishedCalls() {
        var table = RemoteCallTable()
        let first = table.start(callee: 10, request: 1)
        let second = table.start(callee: 11, request: 1)
        #expect(first != second)
        #expect(table.local(callee: 10, request: 1) == first)
        #expect(table.remote(local: second, finished: false) == .init(callee: 11, request: 1))
        #expect(table.remote(local: second, finished: true) == .init(callee: 11, request: 1))
        #expect(table.remote(local: second, finished: true) == nil)
        #expect(table.local(callee: 11, request: 1) == nil)
        #expect(table.count == 1)
    }
}
