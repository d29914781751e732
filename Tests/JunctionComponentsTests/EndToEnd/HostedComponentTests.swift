import Foundation
import JunctionComponents
import JunctionRouter
import Testing
import WAMPCore

/// Hosted components started by an in-process router: `junction register` (a JunctionClient
/// program) and plain processes, with real signals and sockets.
@Suite(.serialized, .timeLimit(.minutes(2))) struct HostedComponentTests {
    private let fastBackoff = BackoffPolicy(
        initial: .milliseconds(20), max: .milliseconds(80), multiplier: 2, maxRestarts: 3, resetAfter: .seconds(30))

    /// A `junction register` component answering `procedure` with its own pid.
    private func pidServer(
        _ name: String, procedure: String, instances: Int = 1, restart: RestartPolicy = .onFailure
    ) -> ComponentConfiguration {
        ComponentConfiguration(
            name: name, realm: "realm1", role: "anonymous",
            exec: [
                ComponentHarness.junctionBinary, "register", procedure, "--exec", "echo $PPID", "--invoke",
                "roundrobin",
            ],
            instances: instances, restart: restart, backoff: self.fastBackoff,
            ready: ReadinessCheck(procedures: [procedure], timeout: .seconds(20)), stopTimeout: .seconds(2))
    }

    @Test func threeInstancesShareTheCallsRoundRobin() async throws {
        let harness = try await ComponentHarness.start([self.pidServer("pids", procedure: "com.test.pid", instances: 3)]
        )
        do {
            try await eventually("three callees") { try await harness.callees("com.test.pid") == 3 }
            let pids = Set(try await harness.pids("pids"))
            #expect(pids.count == 3)
            var answered: [Int32] = []
            for _ in 0..<9 {
                let result = try await harness.call("com.test.pid")
                answered.append(Int32(result.args.first?.signedInteger ?? -1))
            }
            #expect(Set(answered) == pids)
            #expect(answered.filter { $0 == answered[0] }.count == 3)
            try await eventually("ready") {
                try await harness.details("pids")["state"]?.stringValue == "ready"
            }
            let list = try await harness.call(ComponentOperations.list).args.first?.listValue ?? []
            #expect(list.count == 1 && list[0]["running"]?.signedInteger == 3)
        } catch {
            await harness.shutdown()
            throw error
        }
        await harness.shutdown()
    }

    @Test func killNineUnregistersAndTheRestartRegistersAgain() async throws {
        let harness = try await ComponentHarness.start([self.pidServer("victim", procedure: "com.test.victim")])
        do {
            try await eventually("registered") { try await harness.callees("com.test.victim") == 1 }
            let pid = try await harness.pids("victim")[0]
            #expect(kill(pid, SIGKILL) == 0)
            try await eventually("crash reported") {
                harness.observer.events(of: "victim", state: "crashed").contains { $0["signal"] == .int(9) }
            }
            try await eventually("registration back from a new process") {
                let pids = try await harness.pids("victim")
                return try await harness.callees("com.test.victim") == 1 && pids.count == 1 && pids[0] != pid
            }
            let newPid = try await harness.pids("victim")[0]
            #expect(try await harness.call("com.test.victim").args.first?.signedInteger == Int64(newPid))
            let states = harness.observer.events(of: "victim").compactMap { $0["state"]?.stringValue }
            #expect(states.starts(with: ["starting", "running", "ready"]))
            #expect(states.contains("backing_off"))
            // The old process's session left, so its registration went away before the new one came.
            #expect(harness.log.contains("component instance exited unexpectedly", component: "victim"))
        } catch {
            await harness.shutdown()
            throw error
        }
        await harness.shutdown()
    }

    @Test func aCrashLoopBacksOffAndStopsAtTheLimit() async throws {
        let looping = ComponentConfiguration(
            name: "looping", realm: "realm1", role: "anonymous", exec: ["/bin/sh", "-c", "echo starting; exit 3"],
            restart: .always, backoff: self.fastBackoff)
        let harness = try await ComponentHarness.start([looping])
        do {
            try await eventually("given up") { !harness.observer.events(of: "looping", state: "failed").isEmpty }
            let crashes = harness.observer.events(of: "looping", state: "crashed")
            #expect(crashes.count == 4)
            #expect(crashes.allSatisfy { $0["exit_code"] == .int(3) })
            let delays = harness.observer.events(of: "looping", state: "backing_off").map { $0["delay_ms"] }
            #expect(delays == [.int(20), .int(40), .int(80)])
            #expect(harness.observer.events(of: "looping", state: "failed").first?["crashes"] == .int(4))
            #expect(harness.log.contains("crash-loop limit", component: "looping"))
            #expect(try await harness.details("looping")["state"]?.stringValue == "failed")
            // Started by hand, it gets a fresh crash budget.
            _ = try await harness.call(ComponentOperations.start, ["looping"])
            try await eventually("given up again") {
                harness.observer.events(of: "looping", state: "failed").count == 2
            }
        } catch {
            await harness.shutdown()
            throw error
        }
        await harness.shutdown()
    }

    @Test func aMissingExecutableIsReportedAndTheOthersRun() async throws {
        let missing = ComponentConfiguration(
            name: "missing", realm: "realm1", role: "anonymous", exec: ["/nonexistent/component"], restart: .never)
        let harness = try await ComponentHarness.start([missing, self.pidServer("fine", procedure: "com.test.fine")])
        do {
            try await eventually("reported") { !harness.observer.events(of: "missing", state: "crashed").isEmpty }
            let crash = harness.observer.events(of: "missing", state: "crashed")[0]
            #expect(crash["reason"]?.stringValue?.isEmpty == false)
            #expect(harness.log.contains("component instance could not be started", component: "missing"))
            try await eventually("the other one serves") { try await harness.callees("com.test.fine") == 1 }
            _ = try await harness.call("com.test.fine")
        } catch {
            await harness.shutdown()
            throw error
        }
        await harness.shutdown()
    }

    @Test func outputLinesAreLoggedWithTheirComponentAndInstance() async throws {
        let chatty = ComponentConfiguration(
            name: "chatty", realm: "realm1", role: "anonymous",
            exec: ["/bin/sh", "-c", "echo \"$JUNCTION_AUTHID on $JUNCTION_REALM\"; echo oops >&2; exec sleep 30"],
            restart: .never, logLevel: "notice")
        let harness = try await ComponentHarness.start([chatty])
        do {
            try await eventually("both lines logged") {
                harness.log.contains("chatty-1 on realm1", component: "chatty") && harness.log.contains("oops")
            }
            let line = harness.log.records.first { $0.message == "chatty-1 on realm1" }!
            #expect(line.level == .notice)
            #expect(line.metadata["instance"] == "chatty-1")
            #expect(line.metadata["stream"] == "stdout")
            #expect(harness.log.records.first { $0.message == "oops" }?.metadata["stream"] == "stderr")
        } catch {
            await harness.shutdown()
            throw error
        }
        await harness.shutdown()
    }

    @Test func shutdownStopsEveryComponentWithinStopTimeout() async throws {
        var stubborn = ComponentConfiguration(
            name: "stubborn", realm: "realm1", role: "anonymous",
            exec: ["/bin/sh", "-c", "trap '' TERM; echo trapped; while :; do sleep 0.05; done"], restart: .always)
        stubborn.stopTimeout = .milliseconds(300)
        let harness = try await ComponentHarness.start([
            stubborn, self.pidServer("polite", procedure: "com.test.polite"),
        ])
        try await eventually("both running") {
            let stubbornPids = try await harness.pids("stubborn")
            let callees = try await harness.callees("com.test.polite")
            return callees == 1 && stubbornPids.count == 1 && harness.log.contains("trapped")
        }
        let pids = try await harness.pids("stubborn") + (try await harness.pids("polite"))
        let started = ContinuousClock.now
        await harness.shutdown()
        let took = ContinuousClock.now - started
        #expect(took < .seconds(3))
        for pid in pids { #expect(kill(pid, 0) != 0) }
        #expect(harness.log.contains("ignored SIGTERM", component: "stubborn"))
        #expect(harness.observer.wasShutDown)
        #expect(harness.observer.events(of: "polite", state: "stopped").count == 1)
    }

    @Test func aComponentThatNeverGetsReadyBlocksItsDependentsAndIsReported() async throws {
        let lazy = ComponentConfiguration(
            name: "lazy", realm: "realm1", role: "anonymous", exec: ["/bin/sh", "-c", "exec sleep 30"],
            ready: ReadinessCheck(procedures: ["com.test.never"], timeout: .milliseconds(300)))
        var dependent = self.pidServer("dependent", procedure: "com.test.dependent")
        dependent.dependsOn = ["lazy"]
        let harness = try await ComponentHarness.start([lazy, dependent])
        do {
            try await eventually("reported") { !harness.observer.events(of: "lazy", state: "not_ready").isEmpty }
            let report = harness.observer.events(of: "lazy", state: "not_ready")[0]
            #expect(report["blocking"] == .list(["dependent"]))
            #expect(report["waiting_for"] == .list(["com.test.never"]))
            #expect(harness.log.contains("is not ready after", component: "lazy"))
            let details = try await harness.details("dependent")
            #expect(details["state"]?.stringValue == "waiting")
            #expect(details["waiting_for"] == .list(["lazy"]))
            #expect(try await harness.callees("com.test.dependent") == 0)
            // A restart by hand does not jump the queue.
            let restarted = try await harness.call(ComponentOperations.restart, ["dependent"]).args.first
            #expect(restarted?["state"] == "waiting")
        } catch {
            await harness.shutdown()
            throw error
        }
        await harness.shutdown()
    }

    @Test func dependentsStartOnceTheirDependencyIsReady() async throws {
        let base = self.pidServer("base", procedure: "com.test.base")
        var top = self.pidServer("top", procedure: "com.test.top")
        top.dependsOn = ["base"]
        let harness = try await ComponentHarness.start([top, base])
        do {
            try await eventually("top registered") { try await harness.callees("com.test.top") == 1 }
            let events = harness.observer.events
            let baseReady = events.firstIndex { $0["component"] == "base" && $0["state"] == "ready" }
            let topStarting = events.firstIndex { $0["component"] == "top" && $0["state"] == "starting" }
            #expect(baseReady != nil && topStarting != nil && baseReady! < topStarting!)
        } catch {
            await harness.shutdown()
            throw error
        }
        await harness.shutdown()
    }

    @Test func operationsStopStartAndRestart() async throws {
        let harness = try await ComponentHarness.start([self.pidServer("ops", procedure: "com.test.ops")])
        do {
            try await eventually("registered") { try await harness.callees("com.test.ops") == 1 }
            let first = try await harness.pids("ops")
            _ = try await harness.call(ComponentOperations.restart, ["ops"])
            try await eventually("restarted") {
                let pids = try await harness.pids("ops")
                let callees = try await harness.callees("com.test.ops")
                return pids.count == 1 && pids != first && callees == 1
            }
            _ = try await harness.call(ComponentOperations.stop, ["ops"])
            try await eventually("stopped") { try await harness.details("ops")["state"] == "stopped" }
            try await eventually("unregistered") { try await harness.callees("com.test.ops") == 0 }
            _ = try await harness.call(ComponentOperations.start, ["ops"])
            try await eventually("started") { try await harness.callees("com.test.ops") == 1 }
            await #expect(throws: (any Error).self) { try await harness.call(ComponentOperations.get, ["nope"]) }
        } catch {
            await harness.shutdown()
            throw error
        }
        await harness.shutdown()
    }

    @Test func applyRestartsOnlyWhatChanged() async throws {
        let keep = self.pidServer("keep", procedure: "com.test.keep")
        let change = self.pidServer("change", procedure: "com.test.change")
        let drop = self.pidServer("drop", procedure: "com.test.drop")
        let harness = try await ComponentHarness.start([keep, change, drop])
        do {
            try await eventually("all registered") {
                let counts = [
                    try await harness.callees("com.test.keep"), try await harness.callees("com.test.change"),
                    try await harness.callees("com.test.drop"),
                ]
                return counts == [1, 1, 1]
            }
            let keepPid = try await harness.pids("keep")
            let changePid = try await harness.pids("change")
            var changed = change
            changed.env = ["VERSION": "2"]
            let added = self.pidServer("added", procedure: "com.test.added")
            let changes = await harness.supervisor.apply(old: [keep, change, drop], new: [keep, changed, added])
            #expect(changes.changed == ["change"] && changes.removed == ["drop"] && changes.added == ["added"])
            try await eventually("new set registered") {
                let counts = [
                    try await harness.callees("com.test.added"), try await harness.callees("com.test.change"),
                    try await harness.callees("com.test.drop"),
                ]
                return counts == [1, 1, 0]
            }
            #expect(try await harness.pids("keep") == keepPid)
            #expect(try await harness.pids("change") != changePid)
        } catch {
            await harness.shutdown()
            throw error
        }
        await harness.shutdown()
    }

    @Test func eachStartGetsAFreshTicketThatIsRevokedWhenItStops() async throws {
        let printer = ComponentConfiguration(
            name: "printer", realm: "realm1", role: "anonymous",
            exec: ["/bin/sh", "-c", "echo \"ticket $JUNCTION_TICKET\"; exec sleep 30"], restart: .never)
        let harness = try await ComponentHarness.start([printer])
        let tickets = harness.server.router.realm(named: "realm1")!.runtimeTickets
        func printed() -> [String] {
            harness.log.records.compactMap { $0.message.hasPrefix("ticket ") ? String($0.message.dropFirst(7)) : nil }
        }
        do {
            try await eventually("the ticket printed") { printed().count == 1 }
            let first = printed()[0]
            #expect(first.count == 64)
            #expect(
                tickets.principal(for: "printer-1")
                    == TicketPrincipal(authid: "printer-1", ticket: first, role: "anonymous"))
            _ = try await harness.call(ComponentOperations.restart, ["printer"])
            try await eventually("a second ticket printed") { printed().count == 2 }
            #expect(printed()[1] != first)
            #expect(tickets.principal(for: "printer-1")?.ticket == printed()[1])
            _ = try await harness.call(ComponentOperations.stop, ["printer"])
            try await eventually("revoked") { tickets.principal(for: "printer-1") == nil }
        } catch {
            await harness.shutdown()
            throw error
        }
        await harness.shutdown()
    }

    @Test func anInProcessComponentThatFailsIsLoggedAndTheRestRuns() async throws {
        let harness = try await ComponentHarness.start(
            [self.pidServer("fine", procedure: "com.test.fine")], inProcess: [Failing(), Greeter()])
        do {
            #expect(harness.log.contains("in-process component failed to start", component: "failing"))
            #expect(try await harness.call("com.test.greet", ["you"]).args == ["hello, you"])
            try await eventually("the hosted one serves") { try await harness.callees("com.test.fine") == 1 }
        } catch {
            await harness.shutdown()
            throw error
        }
        await harness.shutdown()
    }
}

private struct Failing: Component {
    let name = "failing"
    let realm = "realm1"
    let role = "anonymous"

    func onJoin(_ session: LocalSession) async throws {
        throw LocalSessionError("com.test.error.refused")
    }
}

private struct Greeter: Component {
    let name = "greeter"
    let realm = "realm1"
    let role = "anonymous"

    func onJoin(_ session: LocalSession) async throws {
        try await session.register("com.test.greet") { invocation in
            .init(.string("hello, \(invocation.args.first?.stringValue ?? "nobody")"))
        }
    }
}
