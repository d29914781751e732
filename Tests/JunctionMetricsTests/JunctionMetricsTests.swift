import CoreMetrics
import JunctionMetrics
import Testing

@Suite struct JunctionMetricsTests {
    @Test func seriesRecordedThroughTheFactoryAppearInTheExposition() {
        let metrics = JunctionMetrics()
        let counter = Counter(label: "junction_test_total", dimensions: [("realm", "realm1")], factory: metrics.factory)
        counter.increment(by: 3)
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(text.contains("junction_test_total{realm=\"realm1\"} 3"))
    }

    @Test func twoRoutersKeepSeparateSeries() {
        let first = JunctionMetrics()
        let second = JunctionMetrics()
        Counter(label: "junction_only_first_total", factory: first.factory).increment()
        #expect(!String(decoding: second.exposition(), as: UTF8.self).contains("junction_only_first_total"))
    }
}
