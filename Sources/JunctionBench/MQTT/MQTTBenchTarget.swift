import NIOCore

/// Where the MQTT scenarios connect: `mqtt://host:port` (TCP, loopback only).
///
/// Host and port are checked and resolved by `BenchTarget`, so the MQTT scenarios refuse a
/// non-loopback address for the same reason the WAMP ones do.
struct MQTTBenchTarget: Sendable, CustomStringConvertible {
    let url: String
    let address: SocketAddress

    var description: String { self.url }

    init(_ url: String) throws {
        guard url.hasPrefix("mqtt://") else {
            throw BenchTargetError("unsupported URL \(url): use mqtt://host:port")
        }
        let authority = url.dropFirst("mqtt://".count).prefix { $0 != "/" }
        self.url = url
        self.address = try BenchTarget("rs://\(authority)").address
    }
}
