import JunctionRouter
import WAMPCore

/// The URIs of the component operations API.
public enum ComponentOperations {
    public static let list = "junction.component.list"
    public static let get = "junction.component.get"
    public static let restart = "junction.component.restart"
    public static let stop = "junction.component.stop"
    public static let start = "junction.component.start"
    /// Every state change: `{component, instance, authid, state, pid?, exit_code?, signal?,
    /// reason?, delay_ms?, crashes?}`; `state` `not_ready` (no instance) when a component's
    /// readiness procedures are still missing after `ready.timeout`.
    public static let onState = "junction.component.on_state"
    /// A name that is no component of this realm.
    public static let noSuchComponent = "junction.error.no_such_component"
}

/// `junction.component.list/get/restart/stop/start`, registered by the supervisor's session on
/// each realm that hosts components, and authorized like any procedure (the caller's role needs
/// `call` on them). Each sees the components of its own realm.
extension ComponentSupervisor {
    func registerOperations(on session: LocalSession, realm: String) async throws {
        try await session.register(ComponentOperations.list) { _ in
            .init(.list(await self.summaries(realm: realm)))
        }
        let operations: [(String, Operation)] = [
            (ComponentOperations.get, .get), (ComponentOperations.restart, .restart),
            (ComponentOperations.stop, .stop), (ComponentOperations.start, .start),
        ]
        for (procedure, operation) in operations {
            try await session.register(procedure) { invocation in
                .init(try await self.operate(operation, invocation, realm: realm))
            }
        }
    }

    enum Operation: Sendable {
        case get, restart, stop, start
    }

    /// Finds the component the invocation names (`args[0]`), runs `action` on it and answers its
    /// details.
    private func operate(
        _ operation: Operation,
        _ invocation: LocalSession.Invocation,
        realm: String
    ) async throws -> WAMPValue {
        guard let name = invocation.args.first?.stringValue else {
            throw LocalSessionError(WAMPErrorURI.invalidArgument, args: ["expected the component's name"])
        }
        guard self.hosted[name]?.configuration.realm == realm else {
            throw LocalSessionError(ComponentOperations.noSuchComponent, args: [.string("no component '\(name)'")])
        }
        switch operation {
        case .get: break
        case .restart: self.restartComponent(name)
        case .stop: self.stopComponent(name)
        case .start: self.startComponent(name)
        }
        return .dict(self.details(of: name))
    }

    func summaries(realm: String) -> [WAMPValue] {
        self.order.compactMap { name in
            guard let component = self.hosted[name], component.configuration.realm == realm else { return nil }
            return .dict(self.summary(of: component))
        }
    }

    private func summary(of component: Hosted) -> WAMPDict {
        let states = component.instances.map { $0.lifecycle.state.name }
        let state = Set(states).count == 1 ? states[0] : "degraded"
        return [
            "name": .string(component.configuration.name),
            "realm": .string(component.configuration.realm),
            "state": .string(state),
            "ready": .bool(component.ready),
            "instances": .int(Int64(component.instances.count)),
            "running": .int(Int64(component.instances.filter { $0.lifecycle.state.pid != nil }.count)),
        ]
    }

    func details(of name: String) -> WAMPDict {
        guard let component = self.hosted[name] else { return [:] }
        var details = self.summary(of: component)
        let configuration = component.configuration
        details["role"] = .string(configuration.role)
        details["exec"] = .list(configuration.exec.map { .string($0) })
        details["depends_on"] = .list(configuration.dependsOn.map { .string($0) })
        let unmet = self.graph.unmetDependencies(of: name, ready: self.readyNames)
        details["waiting_for"] = .list(unmet.map { .string($0) })
        details["not_ready_reported"] = .bool(component.reportedUnready)
        details["instance_states"] = .list(
            component.instances.enumerated().map { index, instance in
                var entry = Self.details(of: instance.lifecycle.state)
                entry["instance"] = .int(Int64(index + 1))
                entry["authid"] = .string(instance.authid)
                entry["state"] = .string(instance.lifecycle.state.name)
                entry["restarts"] = .int(Int64(instance.restarts))
                if let exit = instance.lastExit {
                    entry["last_exit"] = .dict(Self.describe(exit))
                }
                return .dict(entry)
            })
        return details
    }
}
