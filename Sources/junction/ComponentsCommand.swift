import ArgumentParser
import JunctionClient

/// `junction components [list|get|restart|stop|start] [NAME]`: the hosted components of a running
/// router, through `junction.component.*` (authorized like any procedure: the client's role needs
/// `call` on them).
struct ComponentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "components",
        abstract: "List, inspect, restart, stop or start the router's hosted components.",
        discussion: """
            list prints one line per component of the realm: name, state, ready, running/instances. \
            get, restart, stop and start print the component's details as JSON.
            """)

    enum Action: String, ExpressibleByArgument, CaseIterable {
        case list, get, restart, stop, start
    }

    @Argument(help: "list, get, restart, stop or start.")
    var action: Action = .list

    @Argument(help: "Component name (all but list).")
    var name: String?

    @OptionGroup var client: ClientOptions

    func validate() throws {
        if self.action != .list && self.name == nil { throw ValidationError("\(self.action.rawValue) needs NAME") }
    }

    func run() async throws {
        try await runClient(self.client) { client in
            guard self.action != .list else {
                let result = try await client.call("junction.component.list")
                for component in result.args.first?.listValue ?? [] {
                    printLine(Self.line(component))
                }
                return
            }
            let result = try await client.call(
                "junction.component.\(self.action.rawValue)", args: [.string(self.name!)])
            printLine(CommandLineValue.output(args: result.args, kwargs: result.kwargs))
        }
    }

    static func line(_ component: WAMPValue) -> String {
        let name = component["name"]?.stringValue ?? "?"
        let state = component["state"]?.stringValue ?? "?"
        let ready = component["ready"]?.boolValue == true ? "ready" : "not-ready"
        let running = component["running"]?.signedInteger ?? 0
        let instances = component["instances"]?.signedInteger ?? 0
        return "\(name)\t\(state)\t\(ready)\t\(running)/\(instances)"
    }
}
