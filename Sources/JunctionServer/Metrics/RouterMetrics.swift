import JunctionMetrics
import JunctionRouter
import Prometheus
import Synchronization
import WAMPCore

/// Publishes what the router counts per event loop (`RouterCounters`) and per server
/// (`ServerStatistics`) into the runtime's Prometheus registry, as `JunctionMetrics` collector.
///
/// The loops' counters only grow, so each collection adds the difference to what was published
/// before; the sessions gauge is counted afresh on every realm's loop.
final class RouterMetrics: Sendable {
    private let metrics: JunctionMetrics
    private let router: Router
    private let statistics: ServerStatistics
    private let callDurations: AggregatedHistogram
    private let published = Mutex(Published())

    private struct Published {
        var totals: [String: Int] = [:]
        var sessionSeries: Set<[String]> = []
        var callsObserved = 0
    }

    init(metrics: JunctionMetrics, router: Router, statistics: ServerStatistics) {
        self.metrics = metrics
        self.router = router
        self.statistics = statistics
        self.callDurations = metrics.makeAggregatedHistogram(
            name: "junction_call_duration_seconds",
            help: "Routed calls from CALL to their final RESULT or ERROR, in seconds",
            bounds: CallDurationHistogram.bounds)
    }

    /// Gathers every loop's counters and every realm's sessions and publishes them.
    func collect() async {
        let counters = await self.router.counters.snapshot()
        var sessions: [[String]: Int] = [:]
        for realm in self.router.realms.values {
            guard let counts = try? await realm.eventLoop.submit({ realm.sessionCountsByTransport() }).get() else {
                continue
            }
            for (transport, count) in counts { sessions[[realm.name, transport]] = count }
        }
        let (dropped, disconnects) = (self.statistics.droppedEvents, self.statistics.slowConsumerDisconnects)
        self.published.withLock { published in
            self.publish(counters, dropped: dropped, disconnects: disconnects, into: &published)
            for series in published.sessionSeries.subtracting(sessions.keys) {
                self.sessionsGauge(series).set(to: 0)
            }
            for (series, count) in sessions {
                self.sessionsGauge(series).set(to: Double(count))
            }
            published.sessionSeries.formUnion(sessions.keys)
            // Two collections may overlap; the histogram, set whole, must not go back in time.
            if counters.callDurations.count >= published.callsObserved {
                published.callsObserved = counters.callDurations.count
                self.callDurations.set(
                    buckets: counters.callDurations.buckets, sum: Double(counters.callDurations.sumNanoseconds) / 1e9)
            }
        }
    }

    private func sessionsGauge(_ series: [String]) -> Gauge {
        self.metrics.registry.makeGauge(
            name: "junction_sessions", labels: [("realm", series[0]), ("transport", series[1])],
            help: "Joined sessions, by realm and transport kind")
    }

    private func publish(
        _ counters: RouterCountersSnapshot, dropped: Int, disconnects: Int, into published: inout Published
    ) {
        for type in MessageType.allCases {
            let name = type.description.lowercased()
            self.add(
                counters.messagesIn[type], "junction_messages_total", [("direction", "in"), ("type", name)],
                "WAMP messages received (in) and sent (out), by message type", &published)
            self.add(
                counters.messagesOut[type], "junction_messages_total", [("direction", "out"), ("type", name)],
                "WAMP messages received (in) and sent (out), by message type", &published)
        }
        let bytesHelp = "Bytes read from (in) and written to (out) client connections, framing and TLS included"
        self.add(counters.bytesIn, "junction_bytes_total", [("direction", "in")], bytesHelp, &published)
        self.add(counters.bytesOut, "junction_bytes_total", [("direction", "out")], bytesHelp, &published)
        self.add(
            counters.publications, "junction_publications_total", [], "PUBLISH messages accepted by the broker",
            &published, always: true)
        self.add(
            counters.deliveries, "junction_event_deliveries_total", [], "EVENT messages sent to subscribers",
            &published, always: true)
        self.add(
            counters.callsRouted, "junction_calls_total", [], "CALLs routed to a callee", &published, always: true)
        self.add(
            counters.authorizationDenials, "junction_authorization_denials_total", [],
            "Actions refused by a role's permissions or a dynamic authorizer", &published, always: true)
        self.add(
            dropped, "junction_events_dropped_total", [("reason", "slow_consumer")],
            "Events not delivered, by reason", &published, always: true)
        self.add(
            disconnects, "junction_slow_consumer_disconnects_total", [],
            "Sessions ended because they could not keep up", &published, always: true)
    }

    /// Adds to a counter what `total` grew since the last collection; a series appears once it
    /// is non-zero unless `always`.
    private func add(
        _ total: Int, _ name: String, _ labels: [(String, String)], _ help: String, _ published: inout Published,
        always: Bool = false
    ) {
        let key = labels.reduce(name) { $0 + "|" + $1.0 + "=" + $1.1 }
        let before = published.totals[key] ?? 0
        guard total > before || (always && published.totals[key] == nil) else { return }
        let counter = self.metrics.registry.makeCounter(name: name, labels: labels, help: help)
        counter.increment(by: Int64(total - before))
        published.totals[key] = total
    }
}
