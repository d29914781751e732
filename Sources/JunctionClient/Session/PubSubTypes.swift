import WAMPCore

/// How to publish.
public struct PublishOptions: Sendable, Hashable {
    /// Wait for the router's `PUBLISHED` (and get errors such as `not_authorized` back).
    public var acknowledge: Bool
    /// Whether the publisher itself is excluded from receiving the event; `nil` leaves the
    /// router's default (true).
    public var excludeMe: Bool?
    /// Any further `PUBLISH.Options` entries, sent as given.
    public var extra: WAMPDict

    public init(acknowledge: Bool = false, excludeMe: Bool? = nil, extra: WAMPDict = [:]) {
        self.acknowledge = acknowledge
        self.excludeMe = excludeMe
        self.extra = extra
    }

    var wireOptions: WAMPDict {
        var options = self.extra
        if self.acknowledge { options["acknowledge"] = .bool(true) }
        if let excludeMe = self.excludeMe { options["exclude_me"] = .bool(excludeMe) }
        return options
    }
}

/// How to subscribe.
public struct SubscribeOptions: Sendable, Hashable {
    public var match: MatchPolicy
    /// Stream positions to resume from (Junction streams): the events after them are delivered
    /// first (`Event.isRecovered`), or the sequence starts with an `Event.recoveryIncomplete`
    /// marker when the router no longer has them. For an exact subscription, the topic's position;
    /// for a pattern, one per topic seen. Empty: start with live events.
    public var recoverFrom: [String: StreamPosition]
    /// Any further `SUBSCRIBE.Options` entries, sent as given.
    public var extra: WAMPDict

    public init(match: MatchPolicy = .exact, recoverFrom: [String: StreamPosition] = [:], extra: WAMPDict = [:]) {
        self.match = match
        self.recoverFrom = recoverFrom
        self.extra = extra
    }

    var wireOptions: WAMPDict {
        var options = self.extra
        if self.match != .exact { options["match"] = .string(self.match.rawValue) }
        return options
    }
}

/// An event delivered to a subscription.
public struct Event: Sendable, Hashable {
    public var args: WAMPList
    public var kwargs: WAMPDict
    /// `EVENT.Details|dict`: `topic` for pattern subscriptions, `publisher` when disclosed.
    public var details: WAMPDict
    public var publication: UInt64

    public init(
        args: WAMPList = [], kwargs: WAMPDict = [:], details: WAMPDict = [:], publication: UInt64 = 0,
        recoveryIncomplete: RecoveryIncomplete? = nil
    ) {
        self.args = args
        self.kwargs = kwargs
        self.details = details
        self.publication = publication
        self.recoveryIncomplete = recoveryIncomplete
    }

    /// Set only on the marker the client puts in a subscription's sequence when the router could
    /// not recover the events missed while disconnected (`junction.error.recovery_incomplete`):
    /// the application should reload its state. The subscription goes on with live events.
    public var recoveryIncomplete: RecoveryIncomplete?

    /// The topic actually published to, when the router says (pattern subscriptions).
    public var topic: String? { self.details["topic"]?.stringValue }

    /// The event's place in its topic's stream (`_offset`, `_epoch`); nil for topics without
    /// history on the router.
    public var streamPosition: StreamPosition? { StreamPosition(eventDetails: self.details) }

    /// Whether the router re-sent this event after a reconnect (`_recovered`).
    public var isRecovered: Bool { self.details["_recovered"]?.boolValue ?? false }
}

/// Events were missed and cannot be recovered: the router no longer keeps them (another epoch,
/// or older than its history window).
public struct RecoveryIncomplete: Sendable, Hashable {
    /// The router's current position of each topic, as far as it said (`ERROR.Details`).
    public var current: [String: StreamPosition]

    public init(current: [String: StreamPosition]) {
        self.current = current
    }
}
