import JunctionRouter

/// A component that runs inside the router's process (LAppS-style hooks), attached through a
/// `LocalSession`: its calls, registrations, publications and subscriptions are authorized by its
/// role like any session's, and nothing is serialized.
///
/// ```swift
/// struct Greeter: Component {
///     let name = "greeter", realm = "realm1", role = "backend"
///     func onJoin(_ session: LocalSession) async throws {
///         try await session.register("com.example.greet") { invocation in
///             .init(.string("hello, \(invocation.args.first?.stringValue ?? "you")"))
///         }
///     }
/// }
/// let server = try await JunctionServer.start(configuration: configuration, components: [Greeter()], logger: logger)
/// ```
public protocol Component: Sendable {
    /// Its authid, and its name in the router's log.
    var name: String { get }
    var realm: String { get }
    /// A role configured on `realm`.
    var role: String { get }
    /// Before the session joins (open files, connect to a database). Throwing keeps the component
    /// from joining; the router keeps running.
    func onStart() async throws
    /// The session has joined: register and subscribe here. Handlers keep running after it returns.
    func onJoin(_ session: LocalSession) async throws
    /// The session ended (router shutdown, killed through the meta API).
    func onLeave(_ ending: LocalSession.Ending) async
    /// The router is stopping; after `onLeave`.
    func onShutdown() async
}

extension Component {
    public func onStart() async throws {}
    public func onLeave(_ ending: LocalSession.Ending) async {}
    public func onShutdown() async {}
}
