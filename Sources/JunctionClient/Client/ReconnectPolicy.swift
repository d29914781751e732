import Foundation

/// When to reconnect after a lost connection: exponential backoff with jitter.
///
/// Attempt `n` (0-based) waits `min(maxDelay, initialDelay * multiplier^n)`, spread by ±`jitter`
/// (a fraction) so that many clients of a restarted router do not reconnect in lock step.
public struct ReconnectPolicy: Sendable, Hashable {
    /// Whether to reconnect at all.
    public var enabled: Bool
    public var initialDelay: Duration
    public var maxDelay: Duration
    public var multiplier: Double
    /// Relative spread of each delay, 0 (none) … 1 (0 to twice the delay).
    public var jitter: Double
    /// Give up after this many failed attempts in a row; `nil` retries for ever.
    public var maxAttempts: Int?

    public init(
        enabled: Bool = true, initialDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(30),
        multiplier: Double = 2, jitter: Double = 0.2, maxAttempts: Int? = nil
    ) {
        self.enabled = enabled
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.multiplier = multiplier
        self.jitter = jitter
        self.maxAttempts = maxAttempts
    }

    /// Reconnect for ever with the default backoff (200 ms doubling up to 30 s, ±20 %).
    public static let `default` = ReconnectPolicy()
    /// Never reconnect: a lost connection closes the client.
    public static let disabled = ReconnectPolicy(enabled: false)

    /// The delay before attempt `attempt` (0-based); `unit` is a random number in 0..<1.
    public func delay(forAttempt attempt: Int, unit: Double = Double.random(in: 0..<1)) -> Duration {
        let initial = Self.seconds(self.initialDelay)
        let base = min(Self.seconds(self.maxDelay), initial * Foundation.pow(self.multiplier, Double(min(attempt, 64))))
        let spread = base * self.jitter * (2 * unit - 1)
        return .nanoseconds(Int64(max(0, base + spread) * 1e9))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
