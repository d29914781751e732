/// One `components:` entry: an executable the router starts, supervises and scales, joined to a
/// realm with credentials the router provisions per start.
public struct ComponentConfiguration: Sendable, Hashable {
    /// Unique among components; instances are named `<name>-<n>` (n from 1), which is also their
    /// authid.
    public var name: String
    public var realm: String
    /// The role the instances' sessions get: exactly this one.
    public var role: String
    /// argv: the executable (a path, or a name looked up on `PATH`) and its arguments. No shell.
    public var exec: [String]
    /// Variables added to the router's environment (and to the `JUNCTION_*` ones).
    public var env: [String: String]
    /// Working directory; `nil`: the router's.
    public var cwd: String?
    /// Processes started for this component; their registrations are shared when they register
    /// with `invoke: roundrobin` (or `random`, ...).
    public var instances: Int
    public var restart: RestartPolicy
    public var backoff: BackoffPolicy
    /// Components that must be ready before this one starts.
    public var dependsOn: [String]
    /// When the component counts as ready; `nil`: as soon as its processes run.
    public var ready: ReadinessCheck?
    /// Time between SIGTERM and SIGKILL when an instance is stopped.
    public var stopTimeout: Duration
    /// Level at which the instances' output lines are logged (swift-log level name).
    public var logLevel: String

    public init(
        name: String, realm: String, role: String, exec: [String], env: [String: String] = [:], cwd: String? = nil,
        instances: Int = 1, restart: RestartPolicy = .onFailure, backoff: BackoffPolicy = BackoffPolicy(),
        dependsOn: [String] = [], ready: ReadinessCheck? = nil, stopTimeout: Duration = .seconds(10),
        logLevel: String = "info"
    ) {
        self.name = name
        self.realm = realm
        self.role = role
        self.exec = exec
        self.env = env
        self.cwd = cwd
        self.instances = instances
        self.restart = restart
        self.backoff = backoff
        self.dependsOn = dependsOn
        self.ready = ready
        self.stopTimeout = stopTimeout
        self.logLevel = logLevel
    }

    /// The authid (and log tag) of instance `index` (1-based).
    public func authid(instance index: Int) -> String { "\(self.name)-\(index)" }
}

/// Whether an instance that ended by itself is started again.
public enum RestartPolicy: String, Sendable, Hashable, CaseIterable {
    /// Whatever the exit status.
    case always
    /// Unless it exited with status 0.
    case onFailure = "on-failure"
    case never
}

/// Delays between restarts: `initial`, then times `multiplier` per consecutive crash, at most
/// `max`. After `maxRestarts` consecutive crashes the instance is given up (`failed`); a run
/// longer than `resetAfter` makes the next crash count as the first again.
public struct BackoffPolicy: Sendable, Hashable {
    public var initial: Duration
    public var max: Duration
    public var multiplier: Int
    /// The crash-loop limit.
    public var maxRestarts: Int
    public var resetAfter: Duration

    public init(
        initial: Duration = .milliseconds(500), max: Duration = .seconds(30), multiplier: Int = 2,
        maxRestarts: Int = 5, resetAfter: Duration = .seconds(30)
    ) {
        self.initial = initial
        self.max = max
        self.multiplier = multiplier
        self.maxRestarts = maxRestarts
        self.resetAfter = resetAfter
    }

    /// The delay before restart number `attempt` (1-based).
    public func delay(attempt: Int) -> Duration {
        var delay = self.initial
        for _ in 1..<Swift.max(1, attempt) {
            delay *= self.multiplier
            if delay >= self.max { return self.max }
        }
        return Swift.min(delay, self.max)
    }
}

/// A component is ready when every one of `procedures` is registered on its realm (by any
/// session); dependents start only then. Not ready after `timeout`: reported (log line, state
/// event), and its dependents keep waiting.
public struct ReadinessCheck: Sendable, Hashable {
    public var procedures: [String]
    public var timeout: Duration

    public init(procedures: [String], timeout: Duration = .seconds(30)) {
        self.procedures = procedures
        self.timeout = timeout
    }
}
