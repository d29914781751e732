import JunctionRouter
import Logging
import NIOCore

/// What a reload changed.
public struct ReloadReport: Sendable {
    public var realms = Router.RealmChanges()
    public var listeners = ListenerSupervisor.Changes()
    /// Settings that changed in the file but only take effect at the next start (`router`,
    /// `limits`), by key.
    public var needsRestart: [String] = []
}

extension JunctionRuntime {
    /// Reads `configurationFile` again and applies it (`reload(to:)`). A file that cannot be read
    /// or is invalid is refused with the message `junction check` prints, logged, and the running
    /// configuration stays. What SIGHUP and `junction reload` call.
    @discardableResult
    public func reload(fromFile path: String? = nil) async throws(ConfigurationFileError) -> ReloadReport {
        guard let path = path ?? self.configurationFile else {
            throw ConfigurationFileError(message: "the router was not started from a configuration file")
        }
        var configuration: JunctionConfiguration
        do {
            configuration = try ConfigurationFile.load(path: path)
            self.overrides(&configuration)
        } catch {
            self.logger.error(
                "configuration reload refused; the running configuration stays", metadata: ["error": "\(error)"])
            self.countReload(success: false)
            throw error
        }
        return await self.reload(to: configuration)
    }

    /// Applies `configuration` without dropping established sessions: realms are added, removed
    /// (their sessions get GOODBYE `wamp.close.realm_removed`) and reconfigured on their own
    /// loops (roles, permissions, principals; a session whose role is gone gets GOODBYE
    /// `wamp.close.role_removed`); listeners are bound and closed (unchanged ones keep
    /// running); then the `onReload` handlers run. The `router` and `limits` sections need a
    /// restart: their running values stay. Reloads run one at a time, in call order.
    @discardableResult
    public func reload(to configuration: JunctionConfiguration) async -> ReloadReport {
        let task = self.reloadQueue.withLock { previous -> Task<ReloadReport, Never> in
            let prior = previous
            let next = Task {
                _ = await prior?.value
                return await self.apply(configuration)
            }
            previous = next
            return next
        }
        return await task.value
    }

    private func apply(_ requested: JunctionConfiguration) async -> ReloadReport {
        let old = self.configuration
        var new = requested
        var report = ReloadReport()
        if new.eventLoops != old.eventLoops { report.needsRestart.append("router.event_loops") }
        if new.logLevel != old.logLevel { report.needsRestart.append("router.log_level") }
        if new.pidFile != old.pidFile { report.needsRestart.append("router.pid_file") }
        if new.limits != old.limits { report.needsRestart.append("limits") }
        (new.eventLoops, new.logLevel, new.pidFile) = (old.eventLoops, old.logLevel, old.pidFile)
        new.limits = old.limits
        report.realms = await self.router.apply(new.realms)
        report.listeners = await self.listeners.apply(new.transports)
        self.replaceConfiguration(new)
        for handler in self.reloadHandlersInOrder {
            await handler(old, new)
        }
        self.countReload(success: true)
        var metadata: Logger.Metadata = [
            "realms_added": "\(report.realms.added)", "realms_removed": "\(report.realms.removed)",
            "realms_changed": "\(report.realms.reconfigured)", "sessions_ended": "\(report.realms.sessionsEnded)",
            "listeners_bound": "\(report.listeners.bound.map { "\($0.1.map { "\($0)" } ?? "?")" })",
            "listeners_closed": "\(report.listeners.closed.count)",
        ]
        if !report.needsRestart.isEmpty { metadata["needs_restart"] = "\(report.needsRestart)" }
        self.logger.notice("configuration reloaded", metadata: metadata)
        if !report.needsRestart.isEmpty {
            self.logger.warning(
                "changed settings take effect only after a restart; their running values stay",
                metadata: ["settings": "\(report.needsRestart)"])
        }
        return report
    }

    private func countReload(success: Bool) {
        self.metrics.registry.makeCounter(
            name: "junction_reloads_total", labels: [("result", success ? "success" : "failure")],
            help: "Configuration reloads, by result (failure: the file was refused)"
        ).increment()
    }
}
