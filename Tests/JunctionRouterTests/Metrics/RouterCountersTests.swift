import JunctionRouter
import Testing
import WAMPCore

@Suite struct RouterCountersTests {
    @Test func callDurationsFallInTheirBuckets() {
        var histogram = CallDurationHistogram()
        histogram.observe(nanoseconds: 50_000)  // 50 µs: first bucket (≤ 100 µs)
        histogram.observe(nanoseconds: 100_000)  // on the bound: still the first bucket
        histogram.observe(nanoseconds: 2_000_000)  // 2 ms: ≤ 2.5 ms
        histogram.observe(nanoseconds: 60_000_000_000)  // a minute: above every bound
        #expect(histogram.count == 4)
        #expect(histogram.sumNanoseconds == 60_002_150_000)
        #expect(histogram.buckets[0] == 2)
        #expect(histogram.buckets[CallDurationHistogram.bounds.firstIndex(of: 0.0025)!] == 1)
        #expect(histogram.buckets.last == 1)
        #expect(histogram.buckets.reduce(0, +) == 4)
    }

    @Test func snapshotsAddUp() {
        let first = RouterCounters()
        first.messagesIn.count(.call)
        first.messagesIn.count(.eventReceived)
        first.publications = 2
        first.callDurations.observe(nanoseconds: 1000)
        let second = RouterCounters()
        second.messagesIn.count(.call)
        second.publications = 3
        var total = first.snapshot()
        total.add(second.snapshot())
        #expect(total.messagesIn[.call] == 2)
        #expect(total.messagesIn[.eventReceived] == 1)
        #expect(total.messagesIn[.publish] == 0)
        #expect(total.publications == 5)
        #expect(total.callDurations.count == 1)
    }
}
