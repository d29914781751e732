import Foundation
import JunctionComponents
import JunctionRouter
import JunctionServer
import Logging
import WAMPCore

/// A router in this process hosting `components`, with an in-process observer component that
/// records every `junction.component.on_state` event from the first one on (in-process components
/// join before the hosted ones start) and whose session the tests call with.
final class ComponentHarness: Sendable {
    let server: JunctionServer
    let observer: Observer
    let log: CapturedLog

    /// `junction` next to the test bundle (the same build directory), or `$JUNCTION_BIN`.
    static let junctionBinary: String = {
        if let path = ProcessInfo.processInfo.environment["JUNCTION_BIN"], !path.isEmpty { return path }
        var directory = Bundle.main.executableURL?.deletingLastPathComponent() ?? URL(fileURLWithPath: ".")
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("junction").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("junction").path
    }()

    private init(server: JunctionServer, observer: Observer, log: CapturedLog) {
        self.server = server
        self.observer = observer
        self.log = log
    }

    static func start(
        _ components: [ComponentConfiguration], inProcess: [any Component] = []
    ) async throws -> ComponentHarness {
        var configuration = JunctionConfiguration(realms: [.openRealm(named: "realm1")], transports: [])
        configuration.components = components
        let socketDirectory = NSTemporaryDirectory() + "junction-components-test-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        configuration.componentsSocket = socketDirectory + "/c.sock"
        let log = CapturedLog()
        let logger = Logger(label: "components-test") { _ in CapturingLogHandler(log: log) }
        let observer = Observer()
        let server = try await JunctionServer.start(
            configuration: configuration, group: nil, shutdownTimeout: .seconds(1), components: inProcess + [observer],
            logger: logger)
        // In-process components join once the components' listener is bound, after `start` returns.
        try await eventually("the observer joined") { (try? observer.session()) != nil }
        // In-process components join before the supervisor registers `junction.component.*`.
        try await eventually("the component operations registered") {
            guard let session = try? observer.session() else { return false }
            return (try? await session.call("junction.component.list")) != nil
        }
        return ComponentHarness(server: server, observer: observer, log: log)
    }

    var supervisor: ComponentSupervisor { self.server.components! }

    func call(_ procedure: String, _ args: WAMPList = []) async throws -> LocalSession.CallResult {
        try await self.observer.session().call(procedure, args: args)
    }

    func details(_ name: String) async throws -> WAMPValue {
        try await self.call(ComponentOperations.get, [.string(name)]).args.first ?? .null
    }

    /// The pids of the component's running instances.
    func pids(_ name: String) async throws -> [Int32] {
        let instances = try await self.details(name)["instance_states"]?.listValue ?? []
        return instances.compactMap { $0["pid"]?.signedInteger.map { Int32($0) } }
    }

    /// How many sessions are registered for `procedure` (0 when it is not registered).
    func callees(_ procedure: String) async throws -> Int {
        guard let id = try await self.call("wamp.registration.lookup", [.string(procedure)]).args.first,
            id.unsignedInteger != nil
        else { return 0 }
        let count = try await self.call("wamp.registration.count_callees", [id])
        return Int(count.args.first?.signedInteger ?? 0)
    }

    func shutdown() async {
        await self.server.shutdown()
        if let path = self.server.configuration.componentsSocket {
            try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
        }
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes (processes and sockets are
/// real here: there is no clock to advance).
func eventually(
    _ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw HarnessTimeout(what: what)
}

struct HarnessTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(self.what)" }
}

/// The in-process component of the tests: subscribes to the state events before any hosted
/// component starts, and lends its session to the tests.
final class Observer: Component, @unchecked Sendable {
    let name = "observer"
    let realm = "realm1"
    let role = "anonymous"
    private let lock = NSLock()
    private var joined: LocalSession?
    private var recorded: [WAMPDict] = []
    private var shutDown = false

    func onJoin(_ session: LocalSession) async throws {
        self.lock.withLock { self.joined = session }
        try await session.subscribe(ComponentOperations.onState) { event in
            guard let dict = event.args.first?.dictValue else { return }
            self.lock.withLock { self.recorded.append(dict) }
        }
    }

    func onShutdown() async {
        self.lock.withLock { self.shutDown = true }
    }

    var events: [WAMPDict] { self.lock.withLock { self.recorded } }
    var wasShutDown: Bool { self.lock.withLock { self.shutDown } }

    func session() throws -> LocalSession {
        guard let session = self.lock.withLock({ self.joined }) else { throw HarnessTimeout(what: "observer session") }
        return session
    }

    /// The events of `component` (and `state`, if given), in order.
    func events(of component: String, state: String? = nil) -> [WAMPDict] {
        self.events.filter {
            $0["component"]?.stringValue == component && (state == nil || $0["state"]?.stringValue == state)
        }
    }
}

/// Log records of the router, for the tests that check what the log says.
final class CapturedLog: @unchecked Sendable {
    struct Record {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private let lock = NSLock()
    private var stored: [Record] = []

    func append(_ record: Record) { self.lock.withLock { self.stored.append(record) } }
    var records: [Record] { self.lock.withLock { self.stored } }

    func contains(_ fragment: String, component: String? = nil) -> Bool {
        self.records.contains {
            $0.message.contains(fragment) && (component == nil || $0.metadata["component"] == .string(component!))
        }
    }
}

struct CapturingLogHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
        function: String, line: UInt
    ) {
        let merged = self.metadata.merging(metadata ?? [:]) { $1 }
        self.log.append(.init(level: level, message: message.description, metadata: merged))
    }
}
