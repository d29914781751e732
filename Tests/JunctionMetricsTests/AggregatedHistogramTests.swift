import JunctionMetrics
import Testing

@Suite struct AggregatedHistogramTests {
    @Test func bucketsAreRenderedCumulativelyWithSumAndCount() {
        let metrics = JunctionMetrics()
        let histogram = metrics.makeAggregatedHistogram(
            name: "junction_test_seconds", help: "A test histogram", bounds: [0.001, 0.01, 1])
        histogram.set(buckets: [2, 0, 3, 1], sum: 4.5)
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(
            text.contains(
                """
                # HELP junction_test_seconds A test histogram
                # TYPE junction_test_seconds histogram
                junction_test_seconds_bucket{le="0.001"} 2
                junction_test_seconds_bucket{le="0.01"} 2
                junction_test_seconds_bucket{le="1.0"} 5
                junction_test_seconds_bucket{le="+Inf"} 6
                junction_test_seconds_sum 4.5
                junction_test_seconds_count 6

                """))
    }

    @Test func collectRunsTheCollectorsBeforeAScrape() async {
        let metrics = JunctionMetrics()
        let counter = metrics.registry.makeCounter(name: "junction_collected_total", help: "collected")
        metrics.addCollector { counter.increment(by: Int64(2)) }
        #expect(String(decoding: metrics.exposition(), as: UTF8.self).contains("junction_collected_total 0"))
        await metrics.collect()
        #expect(String(decoding: metrics.exposition(), as: UTF8.self).contains("junction_collected_total 2"))
    }

    @Test func httpRequestsAndMQTTPacketsHaveTheirSeries() {
        let metrics = JunctionMetrics()
        metrics.recordHTTPRequest(service: "publisher", status: 200)
        metrics.recordHTTPRequest(service: "publisher", status: 200)
        metrics.mqttPacketCounter(direction: "in", type: "publish").increment()
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(text.contains(#"junction_http_requests_total{service="publisher",status="200"} 2"#))
        #expect(text.contains(#"junction_mqtt_packets_total{direction="in",type="publish"} 1"#))
    }
}
