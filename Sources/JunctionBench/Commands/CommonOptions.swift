import ArgumentParser
import NIOCore
import WAMPCore

/// Options every load scenario shares: where to connect, how, for how long, at what pace.
struct CommonOptions: ParsableArguments {
    @Option(help: "Router URL: ws://host:port/path, rs://host:port or rs+unix:///path (loopback only).")
    var url = "ws://127.0.0.1:8080/ws"

    @Option(
        name: .customLong("peer-url"),
        help: """
            Where subscribers and callees connect instead of --url (repeat to spread them round robin \
            over several nodes of a cluster); publishers and callers stay on --url.
            """)
    var peerURLs: [String] = []

    @Option(help: "Serializer: json, msgpack or cbor.")
    var serializer = "json"

    @Option(help: "Realm to join.")
    var realm = "realm1"

    @Option(help: "Seconds of measurement (after the warm-up).")
    var duration = 10.0

    @Option(help: "Seconds of load before measuring.")
    var warmup = 2.0

    @Option(help: "Event-loop threads of the generator.")
    var threads = 1

    @Option(help: "Open-loop rate, e.g. 20000 or 20000/s (total over all callers/publishers). Default: closed loop.")
    var rate: String?

    @Option(name: .customLong("tick-us"), help: "Open-loop scheduler tick in microseconds.")
    var tickMicroseconds = 50

    @Option(help: "Write the figures as JSON to this file.")
    var json: String?

    @Option(help: "Label recorded in the report (e.g. junction, crossbar, baseline).")
    var label: String?

    @Option(
        name: .customLong("router-pid"),
        help: "Router process(es) to watch: CPU use over the window (idle: VmRSS). Repeat to sum several.")
    var routerPIDs: [Int32] = []

    func validate() throws {
        guard SerializerKind(name: self.serializer) != nil else {
            throw ValidationError("unknown serializer \(self.serializer)")
        }
        guard self.duration > 0, self.duration <= 3600, self.warmup >= 0, self.warmup <= 600 else {
            throw ValidationError("--duration must be in (0, 3600] and --warmup in [0, 600]")
        }
        guard (1...64).contains(self.threads) else { throw ValidationError("--threads must be 1...64") }
        if self.rate != nil, self.ratePerSecond == nil { throw ValidationError("bad --rate \(self.rate!)") }
        _ = try BenchTarget(self.url)
        for url in self.peerURLs { _ = try BenchTarget(url) }
    }

    var serializerKind: SerializerKind { SerializerKind(name: self.serializer)! }

    /// The open-loop rate in requests per second, or nil for closed loop.
    var ratePerSecond: Double? {
        guard var text = self.rate?.lowercased() else { return nil }
        if text.hasSuffix("/s") { text.removeLast(2) }
        guard let value = Double(text), value > 0 else { return nil }
        return value
    }

    var tick: TimeAmount { .microseconds(Int64(max(10, self.tickMicroseconds))) }

    func target() throws -> BenchTarget { try BenchTarget(self.url) }

    func connector() throws -> ClientConnector {
        ClientConnector(
            target: try self.target(), setup: SessionSetup(serializer: self.serializerKind, realm: self.realm))
    }

    /// The connector of subscriber or callee `index`: round robin over `--peer-url`, else `--url`.
    func peerConnector(_ index: Int) throws -> ClientConnector {
        guard !self.peerURLs.isEmpty else { return try self.connector() }
        return ClientConnector(
            target: try BenchTarget(self.peerURLs[index % self.peerURLs.count]),
            setup: SessionSetup(serializer: self.serializerKind, realm: self.realm))
    }

    /// With peers on other cluster nodes, their subscriptions and registrations take a moment to be
    /// announced across the cluster (about 50 ms); the load starts after that, so nothing published
    /// before a subscriber's node was known counts as lost.
    func settleAcrossNodes() {
        if !self.peerURLs.isEmpty { LoadGroup.sleep(seconds: 1) }
    }

    /// Parameters common to every report.
    var reportParameters: [String: String] {
        var parameters = [
            "url": self.url, "serializer": self.serializer, "realm": self.realm, "duration_s": "\(self.duration)",
            "warmup_s": "\(self.warmup)", "threads": "\(self.threads)",
            "mode": self.ratePerSecond == nil ? "closed-loop" : "open-loop",
        ]
        if let rate = self.ratePerSecond { parameters["rate_per_s"] = "\(rate)" }
        if !self.peerURLs.isEmpty { parameters["peer_urls"] = self.peerURLs.joined(separator: " ") }
        return parameters
    }
}
