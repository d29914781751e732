import NIOCore

/// Session churn: `concurrency` slots each loop over connect → transport handshake → HELLO →
/// WELCOME → GOODBYE → close. Reports sessions established per second and the time from TCP
/// connect to WELCOME.
struct ConnectScenario {
    var options: CommonOptions
    var concurrency: Int

    func run() throws -> BenchReport {
        let connector = try self.options.connector()
        let group = try LoadGroup(threads: self.options.threads)
        defer { group.shutdown() }
        let control = RunControl()

        var finished: [EventLoopFuture<Void>] = []
        for index in 0..<self.concurrency {
            let handle = group.handle(index)
            finished.append(
                try handle.loop.submit {
                    let done = handle.loop.makePromise(of: Void.self)
                    let slot = ConnectSlot(handle: handle, connector: connector, control: control, done: done)
                    slot.connectOnce()
                    return done.futureResult
                }.wait())
        }
        let measured = try group.measure(
            warmup: self.options.warmup, duration: self.options.duration, routerPIDs: self.options.routerPIDs)
        control.stop()
        try? waitAll(finished, timeout: .seconds(15), what: "connections to finish", on: group.handles[0].loop)

        var parameters = self.options.reportParameters
        parameters["concurrency"] = "\(self.concurrency)"
        var metrics = [
            "sessions_per_s": measured.rate(measured.counters.completed),
            "sessions_total": Double(measured.counters.completed),
            "errors": Double(measured.counters.errors),
            "window_s": measured.seconds,
        ]
        measured.cpu?.add(to: &metrics)
        return BenchReport(
            scenario: "connect", label: self.options.label, parameters: parameters, primaryMetric: "sessions_per_s",
            metrics: metrics, latency: measured.latency.summary)
    }
}

/// One connect slot: opens a session, leaves at once, and starts over when the connection has
/// closed, until the run stops. Confined to its event loop.
final class ConnectSlot {
    private let handle: LoopHandle
    private let connector: ClientConnector
    private let control: RunControl
    private let done: EventLoopPromise<Void>

    init(handle: LoopHandle, connector: ClientConnector, control: RunControl, done: EventLoopPromise<Void>) {
        self.handle = handle
        self.connector = connector
        self.control = control
        self.done = done
    }

    func connectOnce() {
        guard !self.control.isStopping else {
            self.done.succeed()
            return
        }
        let loop = self.handle.loop
        let start = MonotonicClock.now()
        let established = loop.makePromise(of: Void.self)
        let bound = NIOLoopBound(self, eventLoop: loop)
        let state = self.handle.state
        let connected = self.connector.connect(on: self.handle, track: false, established: established) { state in
            PassiveRole { session in
                state.latency.record(nanoseconds: MonotonicClock.now() - start)
                state.counters.completed += 1
                session.goodbye()
            }
        }
        established.futureResult.whenFailure { _ in state.value.counters.errors += 1 }
        connected.whenComplete { result in
            switch result {
            case .success(let channel):
                channel.closeFuture.whenComplete { _ in bound.value.connectOnce() }
            case .failure:
                // Back off briefly so a refusing router is not hammered in a tight loop.
                loop.scheduleTask(in: .milliseconds(10)) { bound.value.connectOnce() }
            }
        }
    }
}

@available(*, unavailable)
extension ConnectSlot: Sendable {}
