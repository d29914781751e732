import JunctionMetrics
import JunctionRouter
import Prometheus

/// `junction_authentications_total{method, result}`: each session establishment counted once,
/// a success by the method it joined with, a failure by the method the client asked for first.
/// The counters are resolved at start; recording is one atomic add per session.
struct AuthenticationMetrics: Sendable {
    private let successes: [String: Prometheus.Counter]
    private let failures: [String: Prometheus.Counter]

    init(metrics: JunctionMetrics) {
        let methods = AuthMethod.allCases.map(\.rawValue) + ["other"]
        func counters(_ result: String) -> [String: Prometheus.Counter] {
            Dictionary(
                uniqueKeysWithValues: methods.map { method in
                    (
                        method,
                        metrics.registry.makeCounter(
                            name: "junction_authentications_total", labels: [("method", method), ("result", result)],
                            help: "Session authentications, by method and result (success, failure)")
                    )
                })
        }
        self.successes = counters("success")
        self.failures = counters("failure")
    }

    func succeeded(method: String) {
        (self.successes[method] ?? self.successes["other"])?.increment()
    }

    func failed(method: AuthMethod?) {
        self.failures[method?.rawValue ?? "other"]?.increment()
    }
}
