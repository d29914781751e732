/// How long to wait before the next attempt to reach Redis: exponential from `initial` up to
/// `maximum`, with "equal jitter" (half fixed, half random) so nodes that lost Redis together do
/// not reconnect in lockstep. The random source is injected so tests see exact delays.
public struct ReconnectBackoff: Sendable {
    public var initial: Duration
    public var maximum: Duration
    private(set) var attempt = 0

    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The delay before the next attempt; `random(upper)` returns a value in `0...upper`.
    public mutating func nextDelay(random: (Int64) -> Int64 = { Int64.random(in: 0...$0) }) -> Duration {
        let shift = min(self.attempt, 30)
        self.attempt += 1
        let initialMs = Self.milliseconds(self.initial)
        let capMs = Self.milliseconds(self.maximum)
        let ceiling = min(capMs, initialMs.multipliedReportingOverflow(by: Int64(1) << shift).overflow
            ? capMs : initialMs * (Int64(1) << shift))
        let half = ceiling / 2
        return .milliseconds(half + random(ceiling - half))
    }

    /// A connection succeeded: the next failure starts again from `initial`.
    public mutating func reset() {
        self.attempt = 0
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
