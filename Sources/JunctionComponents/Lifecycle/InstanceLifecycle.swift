/// The supervision of one instance: when to spawn, signal, restart or give up.
///
/// Pure: no processes, no timers, no clock. Time comes in as `now` (any monotonic origin), timers
/// go out as actions carrying a token; a timer whose token is no longer current is ignored, so a
/// stop that overtakes a pending restart needs no cancellation.
///
/// ```
/// stopped/waiting ─start─▶ starting ─spawned─▶ running ─ready─▶ ready
///                            │                   │ exited (not asked)
///                            ▼                   ▼
///                  crashed (never) ◀── policy ── backing_off ─timer─▶ starting
///                  failed (crash-loop limit) ◀──┘
/// running/ready ─stop─▶ stopping ─exited─▶ stopped      (timer while stopping: SIGKILL)
/// ```
public struct InstanceLifecycle: Sendable {
    public enum Action: Sendable, Hashable {
        case none
        /// Start the process (grant fresh credentials first), then report `spawned` or `exited`.
        case spawn
        /// Send SIGTERM to `pid`; report `timerFired(timer)` after `killAfter`.
        case terminate(pid: Int32, killAfter: Duration, timer: UInt64)
        /// The process ignored SIGTERM for `stop_timeout`: send SIGKILL.
        case kill(pid: Int32)
        /// Report `timerFired(timer)` after `delay`, which restarts the instance.
        case restartAfter(Duration, timer: UInt64)
        /// The crash-loop limit was reached after `crashes` consecutive crashes.
        case giveUp(crashes: Int)
    }

    public private(set) var state: InstanceState = .stopped
    public let restart: RestartPolicy
    public let backoff: BackoffPolicy
    public let stopTimeout: Duration
    /// Crashes since the last start by hand or the last run longer than `backoff.resetAfter`.
    public private(set) var consecutiveCrashes = 0
    private var startedAt: Duration?
    private var timer: UInt64 = 0
    /// A stop asked for while the process was being spawned.
    private var stopWhenSpawned = false
    /// Start again once the process being stopped has exited (restart by hand).
    private var startWhenStopped = false

    public init(restart: RestartPolicy, backoff: BackoffPolicy, stopTimeout: Duration) {
        self.restart = restart
        self.backoff = backoff
        self.stopTimeout = stopTimeout
    }

    // MARK: Events

    /// Its dependencies are not ready yet: it will be started later.
    public mutating func awaitDependencies() {
        if !self.state.isAlive { self.state = .waiting }
    }

    /// Start by hand (or its dependencies became ready). Resets the crash count.
    public mutating func start() -> Action {
        switch self.state {
        case .stopping:
            self.startWhenStopped = true
            return .none
        case .starting:
            self.stopWhenSpawned = false
            return .none
        case .running, .ready:
            return .none
        case .stopped, .waiting, .crashed, .backingOff, .failed:
            self.consecutiveCrashes = 0
            return self.spawn()
        }
    }

    public mutating func spawned(pid: Int32, now: Duration) -> Action {
        guard case .starting = self.state else { return .none }
        self.startedAt = now
        self.state = .running(pid: pid)
        if self.stopWhenSpawned {
            self.stopWhenSpawned = false
            return self.terminate(pid)
        }
        return .none
    }

    /// The component's readiness procedures are registered (or no longer are).
    public mutating func readinessChanged(_ ready: Bool) {
        switch self.state {
        case .running(let pid) where ready: self.state = .ready(pid: pid)
        case .ready(let pid) where !ready: self.state = .running(pid: pid)
        default: break
        }
    }

    /// The process ended (or could not be started).
    public mutating func exited(_ status: ExitStatus, now: Duration) -> Action {
        let ranFor = self.startedAt.map { now - $0 }
        self.startedAt = nil
        switch self.state {
        case .stopping:
            self.state = .stopped
            return self.startWhenStopped ? self.startAfterStop() : .none
        case .starting where self.stopWhenSpawned:
            self.stopWhenSpawned = false
            self.state = .stopped
            return self.startWhenStopped ? self.startAfterStop() : .none
        case .starting, .running, .ready:
            return self.crashed(status, ranFor: ranFor)
        default:
            return .none
        }
    }

    /// Stop by hand, on shutdown or on reload: SIGTERM, then SIGKILL after `stopTimeout`.
    public mutating func stop() -> Action {
        self.startWhenStopped = false
        switch self.state {
        case .running(let pid), .ready(let pid):
            return self.terminate(pid)
        case .starting:
            self.stopWhenSpawned = true
            return .none
        case .stopping, .stopped:
            return .none
        case .waiting, .crashed, .backingOff, .failed:
            self.timer &+= 1
            self.state = .stopped
            return .none
        }
    }

    /// Stop, then start again; a stopped instance just starts.
    public mutating func restartByHand() -> Action {
        switch self.state {
        case .running, .ready:
            let action = self.stop()
            self.startWhenStopped = true
            return action
        case .starting:
            self.stopWhenSpawned = true
            self.startWhenStopped = true
            return .none
        case .stopping:
            self.startWhenStopped = true
            return .none
        case .stopped, .waiting, .crashed, .backingOff, .failed:
            return self.start()
        }
    }

    /// A timer of an earlier action fired.
    public mutating func timerFired(_ token: UInt64) -> Action {
        guard token == self.timer else { return .none }
        switch self.state {
        case .backingOff:
            return self.spawn()
        case .stopping(let pid):
            return .kill(pid: pid)
        default:
            return .none
        }
    }

    // MARK: Transitions

    private mutating func spawn() -> Action {
        self.timer &+= 1
        self.stopWhenSpawned = false
        self.state = .starting
        return .spawn
    }

    private mutating func startAfterStop() -> Action {
        self.startWhenStopped = false
        self.consecutiveCrashes = 0
        return self.spawn()
    }

    private mutating func terminate(_ pid: Int32) -> Action {
        self.timer &+= 1
        self.state = .stopping(pid: pid)
        return .terminate(pid: pid, killAfter: self.stopTimeout, timer: self.timer)
    }

    private mutating func crashed(_ status: ExitStatus, ranFor: Duration?) -> Action {
        if let ranFor, ranFor >= self.backoff.resetAfter { self.consecutiveCrashes = 0 }
        switch self.restart {
        case .never:
            self.state = status.isSuccess ? .stopped : .crashed(status)
            return .none
        case .onFailure where status.isSuccess:
            self.state = .stopped
            return .none
        case .onFailure, .always:
            self.consecutiveCrashes += 1
            if self.consecutiveCrashes > self.backoff.maxRestarts {
                self.state = .failed(status, crashes: self.consecutiveCrashes)
                return .giveUp(crashes: self.consecutiveCrashes)
            }
            let delay = self.backoff.delay(attempt: self.consecutiveCrashes)
            self.timer &+= 1
            self.state = .backingOff(status, delay: delay)
            return .restartAfter(delay, timer: self.timer)
        }
    }
}
