import ArgumentParser
import MQTTCore

struct MQTTPubSubCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqtt-pubsub", abstract: "MQTT fan-out: P publishers → S subscribers on one topic, QoS 0 or 1.")

    @OptionGroup var options: MQTTBenchOptions
    @Option(help: "Publisher clients.") var publishers = 1
    @Option(help: "Subscriber clients.") var subscribers = 10
    @Option(help: "Publications in flight per publisher (closed loop), counted in deliveries.") var window = 64
    @Option(help: "Payload bytes (at least 20: publisher, sequence and send time).") var payload = 128
    @Option(help: "QoS of publications and subscriptions: 0 or 1.") var qos = 0

    func validate() throws {
        guard self.publishers >= 1, self.subscribers >= 1, self.window >= 1, (0...(1 << 20)).contains(self.payload)
        else {
            throw ValidationError("--publishers, --subscribers, --window must be ≥ 1 and --payload in 0...1 MiB")
        }
        guard self.qos == 0 || self.qos == 1 else { throw ValidationError("--qos must be 0 or 1") }
    }

    func run() throws {
        FileDescriptorLimit.raiseToMaximum()
        let report = try MQTTPubSubScenario(
            options: self.options, publishers: self.publishers, subscribers: self.subscribers, window: self.window,
            payload: self.payload, qos: self.qos == 1 ? .atLeastOnce : .atMostOnce
        ).run()
        try report.emit(jsonPath: self.options.json)
    }
}

struct MQTTConnectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqtt-connect", abstract: "MQTT connect storm: TCP connect, CONNECT/CONNACK, DISCONNECT, repeat.")

    @OptionGroup var options: MQTTBenchOptions
    @Option(help: "Connections being opened at the same time.") var concurrency = 16

    func run() throws {
        FileDescriptorLimit.raiseToMaximum()
        let report = try MQTTConnectScenario(options: self.options, concurrency: max(1, self.concurrency)).run()
        try report.emit(jsonPath: self.options.json)
    }
}

struct MQTTIdleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqtt-idle", abstract: "Memory per MQTT connection: N idle clients, broker RSS before and after.")

    @OptionGroup var options: MQTTBenchOptions
    @Option(help: "Idle connections to open.") var connections = 1000
    @Option(help: "Handshakes in flight while opening.") var concurrency = 100
    @Option(name: .customLong("settle-seconds"), help: "Longest wait for the broker's RSS to settle.")
    var settleSeconds = 20.0

    func run() throws {
        let report = try MQTTIdleScenario(
            options: self.options, connections: max(1, self.connections), concurrency: max(1, self.concurrency),
            maximumSettleSeconds: self.settleSeconds
        ).run()
        try report.emit(jsonPath: self.options.json)
    }
}
