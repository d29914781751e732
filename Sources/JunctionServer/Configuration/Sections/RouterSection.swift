/// `router`: process-wide settings (event-loop threads, log level, pid file).
enum RouterSection: ConfigurationSection {
    static let key = "router"
    static let isRequired = false

    static func read(_ reader: inout NodeReader, into draft: inout ConfigurationDraft) throws(ConfigurationError) {
        try reader.allowKeys(["event_loops", "log_level", "pid_file"])
        draft.configuration.pidFile = try reader.optionalString("pid_file")
        draft.configuration.eventLoops = try reader.optionalInt("event_loops", range: 0...1024) ?? 0
        draft.configuration.logLevel =
            try reader.optionalString(
                "log_level",
                oneOf: ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            ) ?? "info"
    }
}
