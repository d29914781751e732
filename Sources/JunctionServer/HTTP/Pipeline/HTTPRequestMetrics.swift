import JunctionMetrics

/// `junction_http_requests_total{service, status}`: every HTTP request a listener answered, by
/// the service type of its path (`none` for an unknown path) and the response status code.
/// Both labels come from small fixed sets. Recorded in the registry directly (not through
/// swift-metrics) so the series has its HELP text.
struct HTTPRequestMetrics: Sendable {
    let metrics: JunctionMetrics

    func record(service: String, status: UInt) {
        self.metrics.recordHTTPRequest(service: service, status: Int(status))
    }
}
