import ArgumentParser
import MQTTCore
import NIOCore

/// Options every MQTT scenario shares: where to connect, which protocol level, for how long.
struct MQTTBenchOptions: ParsableArguments {
    @Option(help: "Broker URL: mqtt://host:port (loopback only).")
    var url = "mqtt://127.0.0.1:1883"

    @Option(name: .customLong("mqtt-version"), help: "MQTT protocol level: 3.1.1 or 5.")
    var mqttVersion = "5"

    @Option(help: "Seconds of measurement (after the warm-up).")
    var duration = 10.0

    @Option(help: "Seconds of load before measuring.")
    var warmup = 2.0

    @Option(help: "Event-loop threads of the generator.")
    var threads = 1

    @Option(help: "Open-loop rate, e.g. 20000 or 20000/s (total over all publishers). Default: closed loop.")
    var rate: String?

    @Option(name: .customLong("tick-us"), help: "Open-loop scheduler tick in microseconds.")
    var tickMicroseconds = 50

    @Option(help: "Write the figures as JSON to this file.")
    var json: String?

    @Option(help: "Label recorded in the report (e.g. junction, mosquitto).")
    var label: String?

    @Option(
        name: .customLong("router-pid"),
        help: "Broker process(es) to watch: CPU use over the window (idle: VmRSS). Repeat to sum several.")
    var routerPIDs: [Int32] = []

    func validate() throws {
        guard self.protocolVersion != nil else {
            throw ValidationError("--mqtt-version must be 3.1.1 or 5 (got \(self.mqttVersion))")
        }
        guard self.duration > 0, self.duration <= 3600, self.warmup >= 0, self.warmup <= 600 else {
            throw ValidationError("--duration must be in (0, 3600] and --warmup in [0, 600]")
        }
        guard (1...64).contains(self.threads) else { throw ValidationError("--threads must be 1...64") }
        if self.rate != nil, self.ratePerSecond == nil { throw ValidationError("bad --rate \(self.rate!)") }
        _ = try MQTTBenchTarget(self.url)
    }

    var protocolVersion: MQTTProtocolVersion? {
        switch self.mqttVersion {
        case "3.1.1", "311", "4": return .v3_1_1
        case "5", "5.0": return .v5
        default: return nil
        }
    }

    /// The open-loop rate in publications per second, or nil for closed loop.
    var ratePerSecond: Double? {
        guard var text = self.rate?.lowercased() else { return nil }
        if text.hasSuffix("/s") { text.removeLast(2) }
        guard let value = Double(text), value > 0 else { return nil }
        return value
    }

    var tick: TimeAmount { .microseconds(Int64(max(10, self.tickMicroseconds))) }

    func connector() throws -> MQTTConnector {
        MQTTConnector(target: try MQTTBenchTarget(self.url), version: self.protocolVersion ?? .v5)
    }

    /// Parameters common to every report.
    var reportParameters: [String: String] {
        var parameters = [
            "url": self.url, "mqtt_version": (self.protocolVersion ?? .v5).description,
            "duration_s": "\(self.duration)", "warmup_s": "\(self.warmup)", "threads": "\(self.threads)",
            "mode": self.ratePerSecond == nil ? "closed-loop" : "open-loop",
        ]
        if let rate = self.ratePerSecond { parameters["rate_per_s"] = "\(rate)" }
        return parameters
    }
}
