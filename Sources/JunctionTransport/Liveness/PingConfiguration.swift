import NIOCore

/// Dead-peer detection for a listener's connections.
///
/// A connection that has received nothing for `interval` gets a ping (WebSocket Ping, RawSocket
/// PING); if still nothing at all arrives within `timeout` after that, the peer is taken for dead
/// and the connection is closed, which ends its session like any other disconnect. Any inbound
/// frame counts as a sign of life, so busy connections are never pinged. This also catches
/// half-open TCP connections (a peer that vanished without FIN) within `interval + timeout`
/// (at most `2 * interval + timeout`, as the idle check runs once per interval).
public struct PingConfiguration: Sendable, Hashable {
    /// Silence after which the peer is pinged. Default: 30 seconds.
    public var interval: TimeAmount
    /// How long to wait for any frame after a ping before closing. Default: 10 seconds.
    public var timeout: TimeAmount

    public init(interval: TimeAmount = .seconds(30), timeout: TimeAmount = .seconds(10)) {
        self.interval = interval
        self.timeout = timeout
    }
}

extension PingConfiguration {
    /// From a configuration file's `ping_interval` and `ping_timeout` (whole seconds);
    /// `nil` (detection off) when `intervalSeconds` is 0.
    public init?(intervalSeconds: Int, timeoutSeconds: Int) {
        guard intervalSeconds > 0 else {
            return nil
        }
        self.init(interval: .seconds(Int64(intervalSeconds)), timeout: .seconds(Int64(max(timeoutSeconds, 1))))
    }
}
