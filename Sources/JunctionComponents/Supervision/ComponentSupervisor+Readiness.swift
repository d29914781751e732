import JunctionRouter
import Logging
import WAMPCore

/// Readiness: a component with `ready.procedures` is ready while all of them are registered on
/// its realm, which the supervisor learns from the registration meta events (no polling); one
/// without is ready while any instance runs. Dependents waiting for it start when it becomes ready.
extension ComponentSupervisor {
    /// Joins `realm` as the supervisor's session: state events, readiness watch, operations.
    func attach(realm name: String) async {
        guard let realm = self.router.realm(named: name) else {
            self.logger.error("components name a realm that does not exist", metadata: ["realm": "\(name)"])
            return
        }
        do {
            let session = try await LocalSession.joinInternal(realm, authid: "junction.components")
            self.sessions[name] = session
            let (events, continuation) = AsyncStream.makeStream(of: WAMPDict.self)
            self.stateEvents[name] = continuation
            // One task publishes, so subscribers see the state changes in the order they happened.
            Task {
                for await event in events {
                    _ = try? await session.publish(ComponentOperations.onState, args: [.dict(event)])
                }
            }
            for topic in ["wamp.registration.on_create", "wamp.registration.on_delete"] {
                try await session.subscribe(topic) { _ in await self.checkReadiness(realm: name) }
            }
            try await self.registerOperations(on: session, realm: name)
        } catch {
            self.logger.error(
                "components cannot join their realm", metadata: ["realm": "\(name)", "error": "\(error)"])
        }
    }

    /// Looks up the readiness procedures of every component of `realm` that has any.
    func checkReadiness(realm: String) async {
        guard let session = self.sessions[realm] else { return }
        for name in self.order {
            guard let component = self.hosted[name], component.configuration.realm == realm,
                let check = component.configuration.ready
            else { continue }
            let alive = component.instances.contains { $0.lifecycle.state.pid != nil }
            var registered = alive
            for procedure in check.procedures where registered {
                let found = try? await session.call("wamp.registration.lookup", args: [.string(procedure)])
                registered = found?.args.first?.unsignedInteger != nil
            }
            self.readinessChanged(name, ready: registered)
        }
    }

    func readinessChanged(_ name: String, ready: Bool) {
        guard let component = self.hosted[name], component.ready != ready else { return }
        self.hosted[name]!.ready = ready
        for index in component.instances.indices {
            self.hosted[name]!.instances[index].lifecycle.readinessChanged(ready)
            self.publishState(name, index)
        }
        guard ready else {
            self.logger.warning("component is no longer ready", metadata: ["component": "\(name)"])
            return
        }
        self.hosted[name]!.readinessTimer?.cancel()
        self.hosted[name]!.readinessTimer = nil
        self.hosted[name]!.reportedUnready = false
        self.logger.info("component ready", metadata: ["component": "\(name)"])
        for dependent in self.graph.dependents(of: name) {
            let waiting = self.hosted[dependent]?.instances.contains { $0.lifecycle.state == .waiting } ?? false
            if waiting { self.startComponent(dependent) }
        }
    }

    func armReadinessTimer(_ name: String) {
        guard let component = self.hosted[name], let check = component.configuration.ready else { return }
        let generation = component.generation
        self.hosted[name]!.readinessTimer = Task {
            try? await Task.sleep(for: check.timeout)
            guard !Task.isCancelled else { return }
            await self.readinessTimedOut(name, generation: generation)
        }
    }

    func readinessTimedOut(_ name: String, generation: Int) {
        guard let component = self.hosted[name], component.generation == generation, !component.ready,
            let check = component.configuration.ready, !self.shuttingDown
        else { return }
        self.hosted[name]!.reportedUnready = true
        let blocking = self.graph.dependents(of: name)
        self.logger.error(
            "component is not ready after \(check.timeout): its ready procedures are not registered",
            metadata: [
                "component": "\(name)", "procedures": "\(check.procedures)", "blocking": "\(blocking)",
            ])
        self.publish(
            name, nil, state: "not_ready",
            extra: [
                "waiting_for": .list(check.procedures.map { .string($0) }),
                "blocking": .list(blocking.map { .string($0) }),
            ])
    }

    // MARK: State events

    /// Publishes the instance's state if it changed since the last event.
    func publishState(_ name: String, _ index: Int) {
        guard let instance = self.hosted[name]?.instances[index] else { return }
        let state = instance.lifecycle.state
        guard instance.lastPublished != state else { return }
        self.hosted[name]!.instances[index].lastPublished = state
        self.publish(name, index, state: state.name, extra: Self.details(of: state))
    }

    static func details(of state: InstanceState) -> WAMPDict {
        var details: WAMPDict = [:]
        switch state {
        case .running(let pid), .ready(let pid), .stopping(let pid):
            details["pid"] = .int(Int64(pid))
        case .crashed(let status):
            details = Self.describe(status)
        case .backingOff(let status, let delay):
            details = Self.describe(status)
            details["delay_ms"] = .int(
                delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)
        case .failed(let status, let crashes):
            details = Self.describe(status)
            details["crashes"] = .int(Int64(crashes))
        case .stopped, .waiting, .starting:
            break
        }
        return details
    }

    func publish(_ name: String, _ index: Int?, state: String, extra: WAMPDict) {
        guard let component = self.hosted[name] else { return }
        var event = extra
        event["component"] = .string(name)
        event["state"] = .string(state)
        if let index {
            event["instance"] = .int(Int64(index + 1))
            event["authid"] = .string(component.instances[index].authid)
        }
        self.stateEvents[component.configuration.realm]?.yield(event)
    }
}
