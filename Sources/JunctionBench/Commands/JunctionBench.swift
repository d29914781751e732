import ArgumentParser

/// `junction-bench`: a WAMP load generator for any router (Junction, Crossbar, ...) and a bare
/// WebSocket baseline server to compare them with.
@main
struct JunctionBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "junction-bench",
        abstract: "Load generator for WAMP routers (WebSocket, RawSocket; JSON, MessagePack, CBOR) and MQTT brokers.",
        discussion: """
            Closed loop (default) measures maximum throughput; --rate N/s runs open loop, with latency \
            measured from each request's intended send time. Only loopback targets are accepted.
            """,
        subcommands: [
            RPCCommand.self, PubSubCommand.self, ConnectCommand.self, IdleCommand.self, BaselineServerCommand.self,
            MQTTPubSubCommand.self, MQTTConnectCommand.self, MQTTIdleCommand.self,
        ]
    )
}

struct RPCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rpc", abstract: "Routed calls: C callers × K callees, W calls in flight per caller.")

    @OptionGroup var options: CommonOptions
    @Option(help: "Caller sessions.") var callers = 10
    @Option(help: "Callee sessions (caller i calls bench.rpc.<i mod callees>).") var callees = 1
    @Option(help: "Calls in flight per caller (closed loop).") var window = 10
    @Option(help: "Payload: bytes of the string argument of each call and result.") var payload = 128

    func validate() throws {
        guard self.callers >= 1, self.callees >= 1, self.window >= 1, (0...(1 << 20)).contains(self.payload) else {
            throw ValidationError("--callers, --callees, --window must be ≥ 1 and --payload in 0...1 MiB")
        }
    }

    func run() throws {
        FileDescriptorLimit.raiseToMaximum()
        let report = try RPCScenario(
            options: self.options, callers: self.callers, callees: self.callees, window: self.window,
            payload: self.payload
        ).run()
        try report.emit(jsonPath: self.options.json)
    }
}

struct PubSubCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pubsub", abstract: "Fan-out: P publishers → S subscribers on one topic.")

    @OptionGroup var options: CommonOptions
    @Option(help: "Publisher sessions.") var publishers = 1
    @Option(help: "Subscriber sessions.") var subscribers = 10
    @Option(help: "Publications in flight per publisher (closed loop), counted in deliveries.") var window = 64
    @Option(help: "Payload: bytes of the padding string in each publication.") var payload = 128
    @Flag(help: "Ask for PUBLISHED acknowledgements.") var acknowledge = false

    func validate() throws {
        guard self.publishers >= 1, self.subscribers >= 1, self.window >= 1, (0...(1 << 20)).contains(self.payload)
        else {
            throw ValidationError("--publishers, --subscribers, --window must be ≥ 1 and --payload in 0...1 MiB")
        }
    }

    func run() throws {
        FileDescriptorLimit.raiseToMaximum()
        let report = try PubSubScenario(
            options: self.options, publishers: self.publishers, subscribers: self.subscribers, window: self.window,
            payload: self.payload, acknowledge: self.acknowledge
        ).run()
        try report.emit(jsonPath: self.options.json)
    }
}

struct ConnectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect", abstract: "Session churn: connect, handshake, HELLO/WELCOME, GOODBYE, repeat.")

    @OptionGroup var options: CommonOptions
    @Option(help: "Connections being opened at the same time.") var concurrency = 16

    func run() throws {
        FileDescriptorLimit.raiseToMaximum()
        let report = try ConnectScenario(options: self.options, concurrency: max(1, self.concurrency)).run()
        try report.emit(jsonPath: self.options.json)
    }
}

struct IdleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idle", abstract: "Memory per session: N idle sessions, router RSS before and after.")

    @OptionGroup var options: CommonOptions
    @Option(help: "Idle sessions to open.") var sessions = 1000
    @Option(help: "Handshakes in flight while opening.") var concurrency = 100
    @Option(name: .customLong("settle-seconds"), help: "Longest wait for the router's RSS to settle.")
    var settleSeconds = 20.0

    func run() throws {
        let report = try IdleScenario(
            options: self.options, sessions: max(1, self.sessions), routerPIDs: self.options.routerPIDs,
            concurrency: max(1, self.concurrency), maximumSettleSeconds: self.settleSeconds
        ).run()
        try report.emit(jsonPath: self.options.json)
    }
}

struct BaselineServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline-server",
        abstract: "Bare SwiftNIO WebSocket server answering just enough WAMP for the scenarios (no routing).",
        discussion: """
            --rpc echo answers a CALL at once with a RESULT (2 frames per call); --rpc relay forwards it \
            as INVOCATION to a registered callee (round robin, any procedure) and the YIELD back as RESULT \
            (4 frames per call, like a router), copying argument bytes without decoding or validating them.
            """)

    @Option(help: "Loopback address to listen on.") var host = "127.0.0.1"
    @Option(help: "WebSocket port to listen on.") var port = 8090
    @Option(name: .customLong("rawsocket-port"), help: "Also serve RawSocket on this port.") var rawSocketPort: Int?
    @Option(help: "Event-loop threads.") var threads = 1
    @Option(help: "How a CALL is answered: echo (RESULT at once) or relay (INVOCATION to a callee, YIELD → RESULT).")
    var rpc = BaselineRPCMode.echo

    func run() throws {
        FileDescriptorLimit.raiseToMaximum()
        try BaselineServer(
            host: self.host, port: self.port, rawSocketPort: self.rawSocketPort, threads: self.threads, rpc: self.rpc
        ).run()
    }
}

extension BaselineRPCMode: ExpressibleByArgument {}
