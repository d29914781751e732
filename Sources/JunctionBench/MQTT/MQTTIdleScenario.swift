import NIOCore

/// Memory per MQTT connection: opens `connections` idle clients (CONNECT/CONNACK, then
/// nothing), waits until the broker's resident memory stops moving, and reports
/// (RSS after − RSS before) / connections.
struct MQTTIdleScenario {
    var options: MQTTBenchOptions
    var connections: Int
    var concurrency: Int
    var maximumSettleSeconds: Double

    func run() throws -> BenchReport {
        let fdLimit = FileDescriptorLimit.raiseToMaximum()
        if fdLimit >= 0, fdLimit < self.connections + 64 {
            throw BenchTargetError(
                "open-file limit is \(fdLimit); \(self.connections) connections need more (ulimit -n)")
        }
        let connector = try self.options.connector()
        let group = try LoadGroup(threads: self.options.threads)
        defer { group.shutdown() }
        let pids = self.options.routerPIDs

        let before = pids.isEmpty ? nil : ProcessMemory.residentKiB(pids: pids)
        let started = MonotonicClock.now()
        let channels = try SessionOpener.open(
            count: self.connections, concurrency: self.concurrency, timeout: .seconds(120), what: "idle connections",
            group: group
        ) { index in
            let handle = group.handle(index)
            let established = handle.loop.makePromise(of: Void.self)
            let channel = connector.connect(
                on: handle, clientIdentifier: MQTTConnector.clientIdentifier("i", index), established: established
            ) { _ in MQTTPassiveRole() }
            return (channel, established.futureResult)
        }
        let openSeconds = Double(MonotonicClock.now() - started) / 1e9
        let (after, settle) = ProcessMemory.settledResidentKiB(pids: pids, maximumSeconds: self.maximumSettleSeconds)
        MQTTConnector.disconnectAll(channels: channels, timeout: .seconds(30))

        var parameters = self.options.reportParameters
        for key in ["duration_s", "warmup_s", "mode"] { parameters[key] = nil }
        parameters["connections"] = "\(self.connections)"
        parameters["router_pids"] = pids.map(String.init).joined(separator: ",")
        var metrics = [
            "connections": Double(self.connections),
            "open_seconds": openSeconds,
            "open_connections_per_s": Double(self.connections) / max(openSeconds, 1e-9),
            "settle_seconds": settle,
        ]
        if let before, let after {
            metrics["rss_before_kib"] = Double(before)
            metrics["rss_after_kib"] = Double(after)
            metrics["kib_per_connection"] = Double(after - before) / Double(self.connections)
        }
        return BenchReport(
            scenario: "mqtt-idle", label: self.options.label, parameters: parameters,
            primaryMetric: metrics["kib_per_connection"] == nil ? "open_connections_per_s" : "kib_per_connection",
            metrics: metrics, latency: nil)
    }
}
