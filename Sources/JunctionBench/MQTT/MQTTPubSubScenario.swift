import MQTTCore
import NIOCore

/// MQTT publish/subscribe fan-out: `publishers` clients publish at `qos` to one topic that
/// `subscribers` clients subscribe to. Reports publishes/s, deliveries/s, end-to-end latency
/// (from the send time carried in each payload) and, over the whole run, lost, duplicated and
/// out-of-order messages.
struct MQTTPubSubScenario {
    var options: MQTTBenchOptions
    var publishers: Int
    var subscribers: Int
    var window: Int
    var payload: Int
    var qos: MQTTQoS
    var topic = "bench/topic"

    func run() throws -> BenchReport {
        let connector = try self.options.connector()
        let group = try LoadGroup(threads: self.options.threads)
        defer { group.shutdown() }
        let control = RunControl()
        let paced = self.options.ratePerSecond != nil
        let flows = (0..<self.publishers).map { _ in PublisherFlow() }
        let (topic, qos) = (self.topic, self.qos)

        var channels = try SessionOpener.open(
            count: self.subscribers, concurrency: 100, timeout: .seconds(60), what: "subscribers to subscribe",
            group: group
        ) { index in
            let handle = group.handle(index)
            let established = handle.loop.makePromise(of: Void.self)
            let subscribed = handle.loop.makePromise(of: Void.self)
            let channel = connector.connect(
                on: handle, clientIdentifier: MQTTConnector.clientIdentifier("s", index), established: established
            ) { state in
                let role = MQTTSubscriberRole(
                    filter: topic, qos: qos, subscribed: subscribed, flows: flows, state: state)
                state.tallies.append(role)
                return role
            }
            return (channel, established.futureResult.and(subscribed.futureResult).map { _ in })
        }

        let template = MQTTPublishTemplate(
            topic: self.topic, payload: self.payload, qos: self.qos, version: connector.version)
        let (window, subscribers) = (self.window, self.subscribers)
        channels += try SessionOpener.open(
            count: self.publishers, concurrency: 64, timeout: .seconds(30), what: "publishers to connect", group: group
        ) { index in
            // Publishers go on the last loops so that with several threads they are spread out.
            let handle = group.handle(group.handles.count - 1 - index % group.handles.count)
            let established = handle.loop.makePromise(of: Void.self)
            let channel = connector.connect(
                on: handle, clientIdentifier: MQTTConnector.clientIdentifier("p", index), established: established
            ) { state in
                let role = MQTTPublisherRole(
                    template: template, index: index, window: window, subscribers: subscribers, paced: paced,
                    flow: flows[index], state: state, control: control)
                let bound = NIOLoopBound(role, eventLoop: handle.loop)
                flows[index].setWaker { handle.loop.execute { bound.value.wake() } }
                state.starters.append(role)
                state.tallies.append(role)
                return role
            }
            return (channel, established.futureResult)
        }

        try group.startLoad()
        if let rate = self.options.ratePerSecond {
            try group.startPacing(rate: rate, tick: self.options.tick, control: control)
        }
        let measured = try group.measure(
            warmup: self.options.warmup, duration: self.options.duration, routerPIDs: self.options.routerPIDs)
        control.stop()
        let tally = try self.drain(group)
        _ = try? group.onEveryLoop { state in
            state.pacer?.stop()
            state.starters.removeAll()
            state.tallies.removeAll()
        }
        MQTTConnector.disconnectAll(channels: channels)

        let expected = tally.published * self.subscribers
        var parameters = self.options.reportParameters
        parameters["publishers"] = "\(self.publishers)"
        parameters["subscribers"] = "\(self.subscribers)"
        parameters["window"] = "\(self.window)"
        parameters["payload_bytes"] = "\(max(self.payload, MQTTPublishTemplate.stampSize))"
        parameters["qos"] = "\(self.qos.rawValue)"
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
        if self.qos != .atMostOnce { metrics["acknowledged_per_s"] = measured.rate(measured.counters.acknowledged) }
        if let rate = self.options.ratePerSecond { metrics["target_rate_per_s"] = rate }
        return BenchReport(
            scenario: "mqtt-pubsub", label: self.options.label, parameters: parameters,
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
