import NIOCore
import WAMPCore

/// Routed RPC: `callers` sessions call, `callees` sessions answer (caller `i` calls procedure
/// `bench.rpc.<i mod callees>`), with `window` calls in flight per caller (closed loop) or at a
/// fixed total rate (open loop).
struct RPCScenario {
    var options: CommonOptions
    var callers: Int
    var callees: Int
    var window: Int
    var payload: Int

    func run() throws -> BenchReport {
        let connector = try self.options.connector()
        let peers = try (0..<self.callees).map { try self.options.peerConnector($0) }
        let kind = self.options.serializerKind
        let padding = WAMPValue.string(String(repeating: "x", count: self.payload))
        let group = try LoadGroup(threads: self.options.threads)
        defer { group.shutdown() }
        let control = RunControl()
        let paced = self.options.ratePerSecond != nil

        let yield = MessageTemplate(kind, [.constant(70), .slot, .constant([:]), .list([.constant(padding)])])
        var channels = try SessionOpener.open(
            count: self.callees, concurrency: 64, timeout: .seconds(30), what: "callees to register", group: group
        ) { index in
            let handle = group.handle(index)
            let established = handle.loop.makePromise(of: Void.self)
            let registered = handle.loop.makePromise(of: Void.self)
            let register = MessageTemplate(
                kind, [.constant(64), .constant(1), .constant([:]), .constant(.string("bench.rpc.\(index)"))]
            ).bytes()
            let channel = peers[index].connect(on: handle, track: true, established: established) { _ in
                CalleeRole(register: register, yield: yield, registered: registered)
            }
            return (channel, established.futureResult.and(registered.futureResult).map { _ in })
        }

        let callees = self.callees
        let window = self.window
        channels += try SessionOpener.open(
            count: self.callers, concurrency: 64, timeout: .seconds(30), what: "callers to join", group: group
        ) { index in
            let handle = group.handle(index)
            let established = handle.loop.makePromise(of: Void.self)
            let call = MessageTemplate(
                kind,
                [
                    .constant(48), .slot, .constant([:]), .constant(.string("bench.rpc.\(index % callees)")),
                    .list([.constant(padding)]),
                ])
            let channel = connector.connect(on: handle, track: true, established: established) { state in
                let role = CallerRole(call: call, window: window, paced: paced, state: state, control: control)
                state.starters.append(role)
                return role
            }
            return (channel, established.futureResult)
        }

        self.options.settleAcrossNodes()
        try group.startLoad()
        if let rate = self.options.ratePerSecond {
            try group.startPacing(rate: rate, tick: self.options.tick, control: control)
        }
        let measured = try group.measure(
            warmup: self.options.warmup, duration: self.options.duration, routerPIDs: self.options.routerPIDs,
            chargingUnfinished: paced)
        control.stop()
        LoadGroup.sleep(seconds: 0.2)
        group.goodbyeAll(channels: channels)

        var parameters = self.options.reportParameters
        parameters["callers"] = "\(self.callers)"
        parameters["callees"] = "\(self.callees)"
        parameters["window"] = "\(self.window)"
        parameters["payload_bytes"] = "\(self.payload)"
        var metrics = [
            "calls_per_s": measured.rate(measured.counters.completed),
            "calls_sent_per_s": measured.rate(measured.counters.sent),
            "calls_completed": Double(measured.counters.completed),
            "errors": Double(measured.counters.errors),
            "window_s": measured.seconds,
        ]
        measured.cpu?.add(to: &metrics)
        if paced {
            metrics["unfinished_at_end"] = Double(measured.unfinished)
            metrics["target_rate_per_s"] = self.options.ratePerSecond
        }
        return BenchReport(
            scenario: "rpc", label: self.options.label, parameters: parameters, primaryMetric: "calls_per_s",
            metrics: metrics, latency: measured.latency.summary)
    }
}
