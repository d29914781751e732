import NIOCore
import WAMPCore

/// Publish/subscribe fan-out: `publishers` sessions publish to one topic that `subscribers`
/// sessions subscribe to. Reports publishes/s, deliveries/s, end-to-end latency (from the send
/// time carried in each event) and, over the whole run, lost, duplicated and out-of-order events.
struct PubSubScenario {
    var options: CommonOptions
    var publishers: Int
    var subscribers: Int
    var window: Int
    var payload: Int
    var acknowledge: Bool
    var topic = "bench.topic"

    func run() throws -> BenchReport {
        let connector = try self.options.connector()
        let peers = try (0..<self.subscribers).map { try self.options.peerConnector($0) }
        let kind = self.options.serializerKind
        let group = try LoadGroup(threads: self.options.threads)
        defer { group.shutdown() }
        let control = RunControl()
        let paced = self.options.ratePerSecond != nil
        let flows = (0..<self.publishers).map { _ in PublisherFlow() }

        let subscribe = MessageTemplate(
            kind, [.constant(32), .constant(1), .constant([:]), .constant(.string(self.topic))]
        ).bytes()
        var channels = try SessionOpener.open(
            count: self.subscribers, concurrency: 100, timeout: .seconds(60), what: "subscribers to subscribe",
            group: group
        ) { index in
            let handle = group.handle(index)
            let established = handle.loop.makePromise(of: Void.self)
            let subscribed = handle.loop.makePromise(of: Void.self)
            let channel = peers[index].connect(on: handle, track: true, established: established) { state in
                let role = SubscriberRole(subscribe: subscribe, subscribed: subscribed, flows: flows, state: state)
                state.tallies.append(role)
                return role
            }
            return (channel, established.futureResult.and(subscribed.futureResult).map { _ in })
        }

        let options: WAMPValue = self.acknowledge ? ["acknowledge": true] : [:]
        let publish = MessageTemplate(
            kind,
            [
                .constant(16), .slot, .constant(options), .constant(.string(self.topic)),
                .list([.slot, .slot, .slot, .constant(.string(String(repeating: "x", count: self.payload)))]),
            ])
        let (acknowledge, window, subscribers) = (self.acknowledge, self.window, self.subscribers)
        channels += try SessionOpener.open(
            count: self.publishers, concurrency: 64, timeout: .seconds(30), what: "publishers to join", group: group
        ) { index in
            // Publishers go on the last loops so that with several threads they are spread out.
            let handle = group.handle(group.handles.count - 1 - index % group.handles.count)
            let established = handle.loop.makePromise(of: Void.self)
            let channel = connector.connect(on: handle, track: true, established: established) { state in
                let role = PublisherRole(
                    publish: publish, index: index, acknowledge: acknowledge, window: window,
                    subscribers: subscribers, paced: paced, flow: flows[index], state: state, control: control)
                let bound = NIOLoopBound(role, eventLoop: handle.loop)
                flows[index].setWaker { handle.loop.execute { bound.value.wake() } }
                state.starters.append(role)
                state.tallies.append(role)
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
            warmup: self.options.warmup, duration: self.options.duration, routerPIDs: self.options.routerPIDs)
        control.stop()
        let tally = try self.drain(group)
        group.goodbyeAll(channels: channels)

        let expected = tally.published * self.subscribers
        var parameters = self.options.reportParameters
        parameters["publishers"] = "\(self.publishers)"
        parameters["subscribers"] = "\(self.subscribers)"
        parameters["window"] = "\(self.window)"
        parameters["payload_bytes"] = "\(self.payload)"
        parameters["acknowledge"] = "\(self.acknowledge)"
        var metrics = [
            "publishes_per_s": measured.rate(measured.counters.sent),
            "deliveries_per_s": measured.rate(measured.counters.completed),
            "published_total": Double(tally.published),
            "delivered_total": Double(tally.uniqueDeliveries),
            "lost": Double(max(0, expected - tally.uniqueDeliveries)),
            "duplicated": Double(tally.duplicates),
            "out_of_order": Double(tally.outOfOrder),
            "errors": Double(measured.counters.errors),
            "window_s": measured.seconds,
        ]
        measured.cpu?.add(to: &metrics)
        if self.acknowledge { metrics["acknowledged_per_s"] = measured.rate(measured.counters.acknowledged) }
        if let rate = self.options.ratePerSecond { metrics["target_rate_per_s"] = rate }
        return BenchReport(
            scenario: "pubsub", label: self.options.label, parameters: parameters,
            primaryMetric: "deliveries_per_s", metrics: metrics, latency: measured.latency.summary)
    }

    /// After the publishers stop, waits until every publication reached every subscriber, or
    /// until nothing arrives for 2 s (bounded to 15 s), and returns the tally.
    private func drain(_ group: LoadGroup) throws -> DeliveryTally {
        let started = MonotonicClock.now()
        var last = DeliveryTally()
        var lastProgress = started
        while true {
            let tally = try group.onEveryLoop { $0.deliveryTally() }.reduce(DeliveryTally(), +)
            let now = MonotonicClock.now()
            if tally.uniqueDeliveries >= tally.published * self.subscribers { return tally }
            if tally.uniqueDeliveries != last.uniqueDeliveries || tally.duplicates != last.duplicates {
                lastProgress = now
            }
            if now - lastProgress > 2_000_000_000 || now - started > 15_000_000_000 { return tally }
            last = tally
            LoadGroup.sleep(seconds: 0.05)
        }
    }
}
