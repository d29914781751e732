import CoreMetrics
import NIOConcurrencyHelpers

/// `junction_http_requests_total{service, status}`: every HTTP request a listener answered, by
/// the service type of its path (`none` for an unknown path) and the response status code.
/// Both labels come from small fixed sets.
final class HTTPRequestMetrics: Sendable {
    private struct Series: Hashable {
        var service: String
        var status: UInt
    }

    private let factory: any MetricsFactory
    private let counters = NIOLockedValueBox<[Series: Counter]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func record(service: String, status: UInt) {
        let series = Series(service: service, status: status)
        let counter = self.counters.withLockedValue { counters in
            if let counter = counters[series] { return counter }
            let counter = Counter(
                label: "junction_http_requests_total",
                dimensions: [("service", service), ("status", String(status))],
                factory: self.factory
            )
            counters[series] = counter
            return counter
        }
        counter.increment()
    }
}
