import MQTTCore
import NIOCore

/// Connect storm: `concurrency` slots each loop over TCP connect → CONNECT → CONNACK →
/// DISCONNECT → close. Reports connections accepted per second and the time from the start of
/// the TCP connect to CONNACK.
struct MQTTConnectScenario {
    var options: MQTTBenchOptions
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
                    let slot = MQTTConnectSlot(
                        index: index, handle: handle, connector: connector, control: control, done: done)
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
            "connections_per_s": measured.rate(measured.counters.completed),
            "connections_total": Double(measured.counters.completed),
            "errors": Double(measured.counters.errors),
            "window_s": measured.seconds,
        ]
        measured.cpu?.add(to: &metrics)
        return BenchReport(
            scenario: "mqtt-connect", label: self.options.label, parameters: parameters,
            primaryMetric: "connections_per_s", metrics: metrics, latency: measured.latency.summary)
    }
}

/// One connect slot: connects, disconnects at once on CONNACK, and starts over when the
/// connection has closed, until the run stops. Confined to its event loop.
final class MQTTConnectSlot {
    private let index: Int
    private let handle: LoopHandle
    private let connector: MQTTConnector
    private let control: RunControl
    private let done: EventLoopPromise<Void>
    private var attempt = 0

    init(index: Int, handle: LoopHandle, connector: MQTTConnector, control: RunControl, done: EventLoopPromise<Void>) {
        self.index = index
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
        self.attempt += 1
        let loop = self.handle.loop
        let start = MonotonicClock.now()
        let established = loop.makePromise(of: Void.self)
        let bound = NIOLoopBound(self, eventLoop: loop)
        let state = self.handle.state
        let identifier = MQTTConnector.clientIdentifier("c\(self.index)-", self.attempt)
        let connected = self.connector.connect(
            on: self.handle, clientIdentifier: identifier, established: established
        ) { state in
            MQTTPassiveRole { session in
                state.latency.record(nanoseconds: MonotonicClock.now() - start)
                state.counters.completed += 1
                session.disconnect()
            }
        }
        established.futureResult.whenFailure { _ in state.value.counters.errors += 1 }
        connected.whenComplete { result in
            switch result {
            case .success(let channel):
                channel.closeFuture.whenComplete { _ in bound.value.connectOnce() }
            case .failure:
                // Back off briefly so a refusing broker is not hammered in a tight loop.
                loop.scheduleTask(in: .milliseconds(10)) { bound.value.connectOnce() }
            }
        }
    }
}

@available(*, unavailable)
extension MQTTConnectSlot: Sendable {}
