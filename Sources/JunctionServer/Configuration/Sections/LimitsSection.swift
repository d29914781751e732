/// `limits`: what protects the router from peers (`Limits`), and the per-session limits every
/// realm starts from.
enum LimitsSection: ConfigurationSection {
    static let key = "limits"
    static let isRequired = false

    static func read(_ reader: inout NodeReader, into draft: inout ConfigurationDraft) throws(ConfigurationError) {
        try reader.allowKeys([
            "max_message_size", "outbound_queue_bytes", "outbound_queue_messages", "max_pending_calls_per_session",
            "max_subscriptions_per_session", "max_registrations_per_session", "hello_timeout",
            "pre_session_max_message_size", "max_pending_sessions", "auth_failure_delay_ms", "max_auth_failures",
            "auth_failure_window",
        ])
        var limits = draft.configuration.limits
        limits.helloTimeout = try reader.optionalInt("hello_timeout", range: 1...3600) ?? limits.helloTimeout
        limits.preSessionMaxMessageSize =
            try reader.optionalInt("pre_session_max_message_size", range: 512...(1 << 30))
            ?? limits.preSessionMaxMessageSize
        limits.maxPendingSessions =
            try reader.optionalInt("max_pending_sessions", range: 1...10_000_000) ?? limits.maxPendingSessions
        limits.authFailureDelayMilliseconds =
            try reader.optionalInt("auth_failure_delay_ms", range: 0...60_000) ?? limits.authFailureDelayMilliseconds
        limits.maxAuthFailures =
            try reader.optionalInt("max_auth_failures", range: 1...1_000_000) ?? limits.maxAuthFailures
        limits.authFailureWindow =
            try reader.optionalInt("auth_failure_window", range: 1...86_400) ?? limits.authFailureWindow
        limits.maxMessageSize =
            try reader.optionalInt("max_message_size", range: 512...(1 << 30)) ?? limits.maxMessageSize
        limits.outboundQueueBytes =
            try reader.optionalInt("outbound_queue_bytes", range: 1024...(1 << 32)) ?? limits.outboundQueueBytes
        limits.outboundQueueMessages =
            try reader.optionalInt("outbound_queue_messages", range: 1...(1 << 30)) ?? limits.outboundQueueMessages
        draft.configuration.limits = limits

        var session = draft.sessionLimits
        session.maxPendingCalls =
            try reader.optionalInt("max_pending_calls_per_session", range: 1...(1 << 30)) ?? session.maxPendingCalls
        session.maxSubscriptions =
            try reader.optionalInt("max_subscriptions_per_session", range: 1...(1 << 30)) ?? session.maxSubscriptions
        session.maxRegistrations =
            try reader.optionalInt("max_registrations_per_session", range: 1...(1 << 30)) ?? session.maxRegistrations
        draft.sessionLimits = session
    }
}
