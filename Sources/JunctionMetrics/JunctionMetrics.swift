import CoreMetrics
import Prometheus

/// One router's metrics: a Prometheus registry of its own (not the process-wide swift-metrics
/// bootstrap, so several routers in one process — the tests, an embedding application — never mix
/// their series) and the swift-metrics factory that records into it.
///
/// Series are named `junction_…`, counters end in `_total`, durations are in seconds, and no label
/// carries a URI: label values come from small fixed sets (realm, transport, message type, reason).
public final class JunctionMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// Pass to swift-metrics' `Counter(label:dimensions:factory:)` and friends.
    public let factory: any MetricsFactory

    public init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
    }

    /// The Prometheus text exposition format (version 0.0.4) of every series, for `/metrics`.
    public func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        self.registry.emit(into: &buffer)
        return buffer
    }
}
