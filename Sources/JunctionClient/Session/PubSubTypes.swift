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
    /// Any further `SUBSCRIBE.Options` entries, sent as given.
    public var extra: WAMPDict

    public init(match: MatchPolicy = .exact, extra: WAMPDict = [:]) {
        self.match = match
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

    public init(args: WAMPList = [], kwargs: WAMPDict = [:], details: WAMPDict = [:], publication: UInt64 = 0) {
        self.args = args
        self.kwargs = kwargs
        self.details = details
        self.publication = publication
    }

    /// The topic actually published to, when the router says (pattern subscriptions).
    public var topic: String? { self.details["topic"]?.stringValue }
}
