import JunctionRouter
import Logging
import WAMPCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs the hosted components of one router: starts their instances in dependency order with
/// fresh credentials, restarts what crashes (per `InstanceLifecycle`), watches readiness, logs
/// their output, publishes every state change on `junction.component.on_state` and serves
/// `junction.component.*`.
///
/// The decisions are `InstanceLifecycle`'s and `ComponentGraph`'s; this actor only runs their
/// actions: processes (through a `ProcessLauncher`), timers, credentials and WAMP calls.
public actor ComponentSupervisor {
    struct Instance {
        var lifecycle: InstanceLifecycle
        var authid: String
        var pid: Int32?
        var lastExit: ExitStatus?
        var restarts = 0
        var lastPublished: InstanceState?
        var process: Task<Void, Never>?
        var timer: Task<Void, Never>?
    }

    struct Hosted {
        var configuration: ComponentConfiguration
        var instances: [Instance]
        var ready = false
        /// Reported as not ready after `ready.timeout`.
        var reportedUnready = false
        var readinessTimer: Task<Void, Never>?
        /// Bumped when the entry is replaced, so events of the old processes are ignored.
        var generation: Int
    }

    let router: Router
    /// `JUNCTION_URL` of every instance: the router's private component listener.
    let url: String
    let launcher: any ProcessLauncher
    let logger: Logger
    private let clock = ContinuousClock()
    private let origin = ContinuousClock.now
    var order: [String] = []
    var hosted: [String: Hosted] = [:]
    var graph = ComponentGraph([])
    var generations = 0
    var shuttingDown = false
    /// The supervisor's own session on each realm that hosts components.
    var sessions: [String: LocalSession] = [:]
    var stateEvents: [String: AsyncStream<WAMPDict>.Continuation] = [:]
    var random = SystemRandomNumberGenerator()

    public init(router: Router, url: String, launcher: any ProcessLauncher = SubprocessLauncher(), logger: Logger) {
        self.router = router
        self.url = url
        self.launcher = launcher
        var logger = logger
        logger[metadataKey: "subsystem"] = "components"
        self.logger = logger
    }

    var now: Duration { self.origin.duration(to: self.clock.now) }

    // MARK: Starting and stopping everything

    /// Joins the realms, registers `junction.component.*` and starts `components` in dependency
    /// order. A component whose realm or role does not exist is logged and left stopped.
    public func start(_ components: [ComponentConfiguration]) async {
        for component in components { self.add(component) }
        self.graph = ComponentGraph(components)
        for realm in Set(components.map(\.realm)).sorted() { await self.attach(realm: realm) }
        for name in self.order { self.startComponent(name) }
    }

    /// Stops every instance (SIGTERM, SIGKILL after each component's `stop_timeout`) and waits
    /// until all have exited; the router's sessions stay up until then.
    public func shutdown() async {
        self.shuttingDown = true
        for name in self.order.reversed() { self.stopComponent(name) }
        for name in self.order {
            for instance in self.hosted[name]?.instances ?? [] { await instance.process?.value }
            self.hosted[name]?.readinessTimer?.cancel()
        }
        for continuation in self.stateEvents.values { continuation.finish() }
        for session in self.sessions.values { await session.leave() }
        self.sessions = [:]
    }

    /// Applies a changed `components:` list: starts added entries, stops removed ones, restarts
    /// changed ones with their new entry, leaves identical ones running.
    @discardableResult
    public func apply(old: [ComponentConfiguration], new: [ComponentConfiguration]) async -> ComponentChanges {
        let changes = ComponentChanges(old: old, new: new)
        for name in changes.removed + changes.changed { self.stopComponent(name) }
        for name in changes.removed + changes.changed {
            for instance in self.hosted[name]?.instances ?? [] { await instance.process?.value }
            self.hosted[name]?.readinessTimer?.cancel()
            self.hosted[name] = nil
        }
        self.order.removeAll { changes.removed.contains($0) }
        self.graph = ComponentGraph(new)
        let byName = Dictionary(new.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for name in changes.added + changes.changed { self.add(byName[name]!) }
        self.order = new.map(\.name)
        for realm in Set(new.map(\.realm)).sorted() where self.sessions[realm] == nil {
            await self.attach(realm: realm)
        }
        for name in changes.added + changes.changed { self.startComponent(name) }
        self.logger.info(
            "components reloaded",
            metadata: [
                "added": "\(changes.added)", "removed": "\(changes.removed)", "changed": "\(changes.changed)",
            ])
        return changes
    }

    private func add(_ configuration: ComponentConfiguration) {
        self.generations += 1
        let instances = (1...max(1, configuration.instances)).map { index in
            Instance(
                lifecycle: InstanceLifecycle(
                    restart: configuration.restart, backoff: configuration.backoff,
                    stopTimeout: configuration.stopTimeout),
                authid: configuration.authid(instance: index))
        }
        if !self.order.contains(configuration.name) { self.order.append(configuration.name) }
        self.hosted[configuration.name] = Hosted(
            configuration: configuration, instances: instances, generation: self.generations)
    }

    // MARK: One component

    /// Starts every instance, or marks them waiting while a dependency is not ready.
    func startComponent(_ name: String) {
        guard !self.shuttingDown, let component = self.hosted[name] else { return }
        let unmet = self.graph.unmetDependencies(of: name, ready: self.readyNames)
        if !unmet.isEmpty {
            self.logger.info(
                "component waiting for its dependencies", metadata: ["component": "\(name)", "waiting_for": "\(unmet)"])
            for index in component.instances.indices {
                self.hosted[name]!.instances[index].lifecycle.awaitDependencies()
                self.publishState(name, index)
            }
            return
        }
        for index in component.instances.indices {
            let action = self.hosted[name]!.instances[index].lifecycle.start()
            self.perform(action, name, index)
        }
    }

    func stopComponent(_ name: String) {
        guard let component = self.hosted[name] else { return }
        for index in component.instances.indices {
            let action = self.hosted[name]!.instances[index].lifecycle.stop()
            self.perform(action, name, index)
            self.publishState(name, index)
        }
    }

    /// Restarts every instance; one still waiting for its dependencies keeps waiting.
    func restartComponent(_ name: String) {
        guard let component = self.hosted[name] else { return }
        for index in component.instances.indices where component.instances[index].lifecycle.state != .waiting {
            let action = self.hosted[name]!.instances[index].lifecycle.restartByHand()
            self.perform(action, name, index)
            self.publishState(name, index)
        }
    }

    var readyNames: Set<String> { Set(self.hosted.filter { $0.value.ready }.keys) }

    // MARK: Events from processes and timers

    func spawned(_ name: String, _ index: Int, generation: Int, pid: Int32) {
        guard let component = self.hosted[name], component.generation == generation else { return }
        self.hosted[name]!.instances[index].pid = pid
        let action = self.hosted[name]!.instances[index].lifecycle.spawned(pid: pid, now: self.now)
        self.logger.info(
            "component instance started",
            metadata: ["component": "\(name)", "instance": "\(component.instances[index].authid)", "pid": "\(pid)"])
        if component.ready { self.hosted[name]!.instances[index].lifecycle.readinessChanged(true) }
        self.publishState(name, index)
        self.perform(action, name, index)
        if component.configuration.ready == nil {
            self.readinessChanged(name, ready: true)
        } else if component.readinessTimer == nil && !component.ready {
            self.armReadinessTimer(name)
        }
        if let realm = component.configuration.ready != nil ? component.configuration.realm : nil {
            Task { await self.checkReadiness(realm: realm) }
        }
    }

    func exited(_ name: String, _ index: Int, generation: Int, status: ExitStatus) {
        guard let component = self.hosted[name], component.generation == generation else { return }
        let instance = component.instances[index]
        self.router.realm(named: component.configuration.realm)?.runtimeTickets.revoke(authid: instance.authid)
        let wasStopping: Bool
        if case .stopping = instance.lifecycle.state { wasStopping = true } else { wasStopping = false }
        self.hosted[name]!.instances[index].pid = nil
        self.hosted[name]!.instances[index].lastExit = status
        self.hosted[name]!.instances[index].timer?.cancel()
        let metadata: Logger.Metadata = [
            "component": "\(name)", "instance": "\(instance.authid)", "status": "\(status)",
        ]
        if wasStopping {
            self.logger.info("component instance stopped", metadata: metadata)
        } else if case .failedToStart = status {
            self.logger.error("component instance could not be started", metadata: metadata)
        } else {
            self.logger.warning("component instance exited unexpectedly", metadata: metadata)
        }
        let action = self.hosted[name]!.instances[index].lifecycle.exited(status, now: self.now)
        if !wasStopping && !status.isSuccess {
            self.publish(name, index, state: "crashed", extra: Self.describe(status))
        }
        self.publishState(name, index)
        self.perform(action, name, index)
        if component.configuration.ready == nil
            && !self.hosted[name]!.instances.contains(where: { $0.lifecycle.state.pid != nil })
        {
            self.readinessChanged(name, ready: false)
        }
    }

    func timerFired(_ name: String, _ index: Int, generation: Int, token: UInt64) {
        guard let component = self.hosted[name], component.generation == generation else { return }
        let action = self.hosted[name]!.instances[index].lifecycle.timerFired(token)
        self.perform(action, name, index)
        self.publishState(name, index)
    }

    // MARK: Running actions

    func perform(_ action: InstanceLifecycle.Action, _ name: String, _ index: Int) {
        guard let component = self.hosted[name] else { return }
        let authid = component.instances[index].authid
        let metadata: Logger.Metadata = ["component": "\(name)", "instance": "\(authid)"]
        switch action {
        case .none:
            return
        case .spawn:
            self.spawn(name, index)
        case .terminate(let pid, let killAfter, let token):
            self.launcher.signal(SIGTERM, to: pid)
            self.schedule(name, index, after: killAfter, token: token)
        case .kill(let pid):
            self.logger.warning(
                "component instance ignored SIGTERM for its stop_timeout; sending SIGKILL",
                metadata: metadata.merging(["pid": "\(pid)"]) { $1 })
            self.launcher.signal(SIGKILL, to: pid)
        case .restartAfter(let delay, let token):
            self.hosted[name]!.instances[index].restarts += 1
            self.logger.info(
                "component instance restarts after backoff", metadata: metadata.merging(["delay": "\(delay)"]) { $1 })
            self.schedule(name, index, after: delay, token: token)
        case .giveUp(let crashes):
            self.logger.error(
                "component instance crashed \(crashes) times in a row; not restarted (crash-loop limit)",
                metadata: metadata)
        }
    }

    private func schedule(_ name: String, _ index: Int, after delay: Duration, token: UInt64) {
        let generation = self.hosted[name]!.generation
        self.hosted[name]!.instances[index].timer?.cancel()
        self.hosted[name]!.instances[index].timer = Task {
            try? await Task.sleep(for: delay)
            await self.timerFired(name, index, generation: generation, token: token)
        }
    }

    private func spawn(_ name: String, _ index: Int) {
        let component = self.hosted[name]!
        let configuration = component.configuration
        let authid = component.instances[index].authid
        let generation = component.generation
        self.publishState(name, index)
        guard let realm = self.router.realm(named: configuration.realm) else {
            self.exited(
                name, index, generation: generation, status: .failedToStart("no realm '\(configuration.realm)'"))
            return
        }
        let ticket = self.freshTicket()
        realm.runtimeTickets.grant(TicketPrincipal(authid: authid, ticket: ticket, role: configuration.role))
        var environment = configuration.env
        environment["JUNCTION_URL"] = self.url
        environment["JUNCTION_REALM"] = configuration.realm
        environment["JUNCTION_AUTHID"] = authid
        environment["JUNCTION_TICKET"] = ticket
        environment["JUNCTION_COMPONENT"] = name
        environment["JUNCTION_INSTANCE"] = "\(index + 1)"
        let launch = InstanceLaunch(exec: configuration.exec, environment: environment, cwd: configuration.cwd)
        var output = self.logger
        output[metadataKey: "component"] = "\(name)"
        output[metadataKey: "instance"] = "\(authid)"
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        let launcher = self.launcher
        self.hosted[name]!.instances[index].process = Task {
            let status = await launcher.run(
                launch,
                started: { pid in await self.spawned(name, index, generation: generation, pid: pid) },
                line: { [output] stream, text in
                    var output = output
                    output[metadataKey: "stream"] = "\(stream.rawValue)"
                    output.log(level: level, "\(text)")
                }
            )
            await self.exited(name, index, generation: generation, status: status)
        }
    }

    /// 32 random bytes, hex: a ticket valid for one start of one instance.
    private func freshTicket() -> String {
        var bytes: [UInt8] = []
        for _ in 0..<4 {
            let word = self.random.next()
            for shift in stride(from: 0, to: 64, by: 8) {
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    static func describe(_ status: ExitStatus) -> WAMPDict {
        switch status {
        case .exited(let code): return ["exit_code": .int(Int64(code))]
        case .signaled(let signal): return ["signal": .int(Int64(signal))]
        case .failedToStart(let reason): return ["reason": .string(reason)]
        }
    }
}
