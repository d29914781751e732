/// Everything needed to start one instance's process.
public struct InstanceLaunch: Sendable, Hashable {
    public var exec: [String]
    /// Added to (and overriding) the router's own environment.
    public var environment: [String: String]
    public var cwd: String?

    public init(exec: [String], environment: [String: String], cwd: String?) {
        self.exec = exec
        self.environment = environment
        self.cwd = cwd
    }
}

/// Which of the process's output streams a line came from.
public enum OutputStream: String, Sendable, Hashable {
    case stdout, stderr
}

/// Starts processes and reports on them; the supervisor's only view of the operating system, so
/// the supervision can be driven by a fake in tests.
public protocol ProcessLauncher: Sendable {
    /// Runs `launch` until the process ends: `started` gets its pid once it runs, `line` every
    /// output line. Returns how it ended (`.failedToStart` when it never ran).
    func run(
        _ launch: InstanceLaunch,
        started: @escaping @Sendable (Int32) async -> Void,
        line: @escaping @Sendable (OutputStream, String) -> Void
    ) async -> ExitStatus

    /// Sends `signal` to process `pid` (SIGTERM to stop, SIGKILL when it does not).
    func signal(_ signal: Int32, to pid: Int32)
}
