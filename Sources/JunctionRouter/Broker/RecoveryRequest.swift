import WAMPCore

/// What `SUBSCRIBE.Options._recover` asks for.
enum RecoveryRequest: Sendable, Hashable {
    /// An exact subscription: `{"offset": N, "epoch": "E"}`.
    case single(StreamPosition)
    /// A pattern subscription: `{"positions": {topic: {"offset": N, "epoch": "E"}}}`. A matching
    /// topic that is not listed is recovered from its beginning in the epoch of the listed ones.
    case positions([String: StreamPosition])

    /// Reads the option; nil when it is malformed (the caller answers `invalid_argument`).
    init?(_ value: WAMPValue, match: MatchPolicy) {
        if match == .exact {
            guard let position = StreamPosition(value) else { return nil }
            self = .single(position)
            return
        }
        guard let dict = value.dictValue?["positions"]?.dictValue else { return nil }
        var positions: [String: StreamPosition] = [:]
        for (topic, value) in dict {
            guard let position = StreamPosition(value) else { return nil }
            positions[topic] = position
        }
        self = .positions(positions)
    }
}

/// The answer to a recovery request, decided on the realm's loop.
enum RecoveryOutcome {
    /// Every missed event is still kept: these, oldest first (all topics interleaved by publication
    /// order), go to the subscriber right after SUBSCRIBED.
    case recovered([EventHistory.Entry])
    /// Something is missing; the current positions go back in the ERROR details.
    case incomplete(WAMPDict)
}
