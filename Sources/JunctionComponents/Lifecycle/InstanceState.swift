/// Where one instance is in its lifecycle; `name` is what `junction.component.on_state` and
/// `junction.component.get` report.
public enum InstanceState: Sendable, Hashable {
    /// Not running and not to be started (never started, stopped, or exited 0 under `on-failure`).
    case stopped
    /// To be started once the components it depends on are ready.
    case waiting
    /// The process is being spawned.
    case starting
    case running(pid: Int32)
    /// Running, and the component's readiness procedures are registered.
    case ready(pid: Int32)
    /// SIGTERM sent; SIGKILL follows after `stop_timeout`.
    case stopping(pid: Int32)
    /// Ended by itself and not restarted (`restart: never`).
    case crashed(ExitStatus)
    /// Ended by itself; restarts after `delay`.
    case backingOff(ExitStatus, delay: Duration)
    /// The crash-loop limit was reached: given up until started by hand.
    case failed(ExitStatus, crashes: Int)

    public var name: String {
        switch self {
        case .stopped: return "stopped"
        case .waiting: return "waiting"
        case .starting: return "starting"
        case .running: return "running"
        case .ready: return "ready"
        case .stopping: return "stopping"
        case .crashed: return "crashed"
        case .backingOff: return "backing_off"
        case .failed: return "failed"
        }
    }

    public var pid: Int32? {
        switch self {
        case .running(let pid), .ready(let pid), .stopping(let pid): return pid
        default: return nil
        }
    }

    /// Whether a process exists (or is being spawned).
    public var isAlive: Bool {
        switch self {
        case .starting, .running, .ready, .stopping: return true
        default: return false
        }
    }
}
