import NIOCore

/// Memory per session: opens `sessions` idle sessions, waits until the router's resident memory
/// stops moving, and reports (RSS after − RSS before) / sessions.
struct IdleScenario {
    var options: CommonOptions
    var sessions: Int
    var routerPIDs: [Int32]
    var concurrency: Int
    var maximumSettleSeconds: Double

    func run() throws -> BenchReport {
        let fdLimit = FileDescriptorLimit.raiseToMaximum()
        if fdLimit >= 0, fdLimit < self.sessions + 64 {
            throw BenchTargetError("open-file limit is \(fdLimit); \(self.sessions) sessions need more (ulimit -n)")
        }
        let connector = try self.options.connector()
        let group = try LoadGroup(threads: self.options.threads)
        defer { group.shutdown() }

        let before = self.routerPIDs.isEmpty ? nil : ProcessMemory.residentKiB(pids: self.routerPIDs)
        let started = MonotonicClock.now()
        let channels = try SessionOpener.open(
            count: self.sessions, concurrency: self.concurrency, timeout: .seconds(120), what: "idle sessions",
            group: group
        ) { index in
            let handle = group.handle(index)
            let established = handle.loop.makePromise(of: Void.self)
            let channel = connector.connect(on: handle, track: true, established: established) { _ in PassiveRole() }
            return (channel, established.futureResult)
        }
        let openSeconds = Double(MonotonicClock.now() - started) / 1e9
        let (after, settle) = ProcessMemory.settledResidentKiB(
            pids: self.routerPIDs, maximumSeconds: self.maximumSettleSeconds)
        group.goodbyeAll(channels: channels, timeout: .seconds(30))

        var parameters = self.options.reportParameters
        for key in ["duration_s", "warmup_s", "mode"] { parameters[key] = nil }
        parameters["sessions"] = "\(self.sessions)"
        parameters["router_pids"] = self.routerPIDs.map(String.init).joined(separator: ",")
        var metrics = [
            "sessions": Double(self.sessions),
            "open_seconds": openSeconds,
            "open_sessions_per_s": Double(self.sessions) / max(openSeconds, 1e-9),
            "settle_seconds": settle,
        ]
        if let before, let after {
            metrics["rss_before_kib"] = Double(before)
            metrics["rss_after_kib"] = Double(after)
            metrics["kib_per_session"] = Double(after - before) / Double(self.sessions)
        }
        return BenchReport(
            scenario: "idle", label: self.options.label, parameters: parameters,
            primaryMetric: metrics["kib_per_session"] == nil ? "open_sessions_per_s" : "kib_per_session",
            metrics: metrics, latency: nil)
    }
}
