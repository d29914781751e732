import Histogram

/// Latencies in nanoseconds, in an HdrHistogram (3 significant digits, 1 µs to 2 minutes).
///
/// One per event loop, so recording never crosses threads; the loops' histograms are merged
/// when the run is reported.
struct LatencyRecorder: Sendable {
    private(set) var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1_000, highestTrackableValue: 120_000_000_000, numberOfSignificantValueDigits: .three)

    var count: UInt64 { self.histogram.totalCount }

    @inline(__always)
    mutating func record(nanoseconds: UInt64) {
        _ = self.histogram.record(Swift.min(Swift.max(nanoseconds, 1_000), 120_000_000_000))
    }

    mutating func reset() {
        self.histogram.reset()
    }

    mutating func add(_ other: LatencyRecorder) {
        self.histogram.add(other.histogram)
    }

    /// p50/p90/p99/p99.9/max in microseconds; nil when nothing was recorded.
    var summary: LatencySummary? {
        guard self.histogram.totalCount > 0 else { return nil }
        func micros(_ percentile: Double) -> Double {
            Double(self.histogram.valueAtPercentile(percentile)) / 1_000
        }
        return LatencySummary(
            count: self.histogram.totalCount, p50: micros(50), p90: micros(90), p99: micros(99), p999: micros(99.9),
            max: Double(self.histogram.max) / 1_000, mean: self.histogram.mean / 1_000)
    }
}

/// Latency percentiles in microseconds, as reported.
struct LatencySummary: Sendable, Codable {
    var count: UInt64
    var p50: Double
    var p90: Double
    var p99: Double
    var p999: Double
    var max: Double
    var mean: Double
}
