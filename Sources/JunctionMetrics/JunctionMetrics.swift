import CoreMetrics
import Prometheus
import Synchronization

/// One router's metrics: a Prometheus registry of its own (not the process-wide swift-metrics
/// bootstrap, so several routers in one process — the tests, an embedding application — never mix
/// their series) and the swift-metrics factory that records into it.
///
/// Series are named `junction_…`, counters end in `_total`, durations are in seconds, and no label
/// carries a URI: label values come from small fixed sets (realm, transport, message type, reason).
///
/// The router's data path counts per event loop in plain integers; `collect()` runs the
/// registered collectors, which publish those counts into the registry. The runtime collects
/// every second; a `/metrics` handler that can wait should `await collect()` before
/// `exposition()` so the scrape is exact.
public final class JunctionMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// Pass to swift-metrics' `Counter(label:dimensions:factory:)` and friends.
    public let factory: any MetricsFactory
    private let collectors = Mutex<[@Sendable () async -> Void]>([])
    private let histograms = Mutex<[AggregatedHistogram]>([])

    public init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
    }

    /// The Prometheus text exposition format (version 0.0.4) of every series, as of the last
    /// `collect()` for what the router counts per loop.
    public func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        self.registry.emit(into: &buffer)
        for histogram in self.histograms.withLock({ $0 }) {
            histogram.emit(into: &buffer)
        }
        return buffer
    }

    /// Adds work `collect()` runs: publishing counts kept elsewhere into the registry.
    public func addCollector(_ collector: @escaping @Sendable () async -> Void) {
        self.collectors.withLock { $0.append(collector) }
    }

    /// Runs every collector, in the order they were added.
    public func collect() async {
        for collector in self.collectors.withLock({ $0 }) {
            await collector()
        }
    }

    /// A histogram whose buckets are counted elsewhere (per event loop, without locks) and
    /// published whole with `AggregatedHistogram.set`; rendered after the registry's series.
    public func makeAggregatedHistogram(name: String, help: String, bounds: [Double]) -> AggregatedHistogram {
        let histogram = AggregatedHistogram(name: name, help: help, bounds: bounds)
        self.histograms.withLock { $0.append(histogram) }
        return histogram
    }

    // MARK: Series recorded by other parts of the router

    /// `junction_http_requests_total{service, status}`: one HTTP request answered by `service`
    /// (`publisher`, `caller`, `webhook`, `metrics`, `health`, `ready`, `dashboard`, `static`,
    /// `wamp` for a WebSocket upgrade) with `status` (the numeric code).
    public func recordHTTPRequest(service: String, status: Int) {
        self.registry.makeCounter(
            name: "junction_http_requests_total", labels: [("service", service), ("status", String(status))],
            help: "HTTP requests answered, by service and status code"
        ).increment()
    }

    /// `junction_mqtt_packets_total{direction, type}`: the counter of one MQTT packet type
    /// (`connect`, `publish`, ...) in one direction (`in`, `out`). Resolve it once per connection
    /// (or per loop) and `increment()` it per packet: the lookup takes the registry's lock.
    public func mqttPacketCounter(direction: String, type: String) -> Prometheus.Counter {
        self.registry.makeCounter(
            name: "junction_mqtt_packets_total", labels: [("direction", direction), ("type", type)],
            help: "MQTT control packets received (in) and sent (out), by packet type")
    }
}
