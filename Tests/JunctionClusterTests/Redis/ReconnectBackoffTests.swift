import JunctionCluster
import Testing

struct ReconnectBackoffTests {
    @Test func delaysDoubleUpToTheMaximumWithEqualJitter() {
        var backoff = ReconnectBackoff(initial: .milliseconds(100), maximum: .seconds(1))
        // The random part at its lowest: exactly half of each ceiling.
        let low = (0..<6).map { _ in backoff.nextDelay(random: { _ in 0 }) }
        #expect(low == [50, 100, 200, 400, 500, 500].map { Duration.milliseconds($0) })
        backoff.reset()
        // At its highest: the ceiling itself.
        let high = (0..<5).map { _ in backoff.nextDelay(random: { $0 }) }
        #expect(high == [100, 200, 400, 800, 1000].map { Duration.milliseconds($0) })
    }

    @Test func manyFailuresDoNotOverflow() {
        var backoff = ReconnectBackoff(initial: .seconds(1), maximum: .seconds(30))
        for _ in 0..<200 { _ = backoff.nextDelay(random: { $0 }) }
        #expect(backoff.nextDelay(random: { $0 }) == .seconds(30))
    }
}
