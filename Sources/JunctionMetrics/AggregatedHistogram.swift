import Synchronization

/// A Prometheus histogram published whole: the router counts observations into fixed buckets on
/// each event loop without locks, and a collector sets the summed buckets here (swift-prometheus'
/// own histogram takes a lock per observation and cannot be set from counts).
public final class AggregatedHistogram: Sendable {
    public let name: String
    let help: String
    /// Upper bounds (inclusive), ascending.
    public let bounds: [Double]
    private let state: Mutex<State>

    private struct State {
        var buckets: [Int]
        var count = 0
        var sum = 0.0
    }

    init(name: String, help: String, bounds: [Double]) {
        self.name = name
        self.help = help
        self.bounds = bounds
        self.state = Mutex(State(buckets: [Int](repeating: 0, count: bounds.count + 1)))
    }

    /// Publishes the totals: `buckets` holds the observations per bucket (not cumulative), one
    /// per bound plus the last for those above every bound.
    public func set(buckets: [Int], sum: Double) {
        precondition(buckets.count == self.bounds.count + 1, "one bucket per bound, plus +Inf")
        self.state.withLock { state in
            state.buckets = buckets
            state.count = buckets.reduce(0, +)
            state.sum = sum
        }
    }

    /// The text exposition lines: HELP, TYPE, the cumulative buckets, `+Inf`, `_sum`, `_count`.
    func emit(into buffer: inout [UInt8]) {
        let state = self.state.withLock { $0 }
        var text = "# HELP \(self.name) \(self.help)\n# TYPE \(self.name) histogram\n"
        var cumulative = 0
        for (index, bound) in self.bounds.enumerated() {
            cumulative += state.buckets[index]
            text += "\(self.name)_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        text += "\(self.name)_bucket{le=\"+Inf\"} \(state.count)\n"
        text += "\(self.name)_sum \(state.sum)\n"
        text += "\(self.name)_count \(state.count)\n"
        buffer.append(contentsOf: text.utf8)
    }
}
