extension WAMPMessage {
    /// `[PUBLISH, Request|id, Options|dict, Topic|uri, Arguments|list, ArgumentsKw|dict]`.
    public struct Publish: Sendable, Hashable {
        public var request: UInt64
        public var options: WAMPDict
        public var topic: String
        public var payload: Payload

        public init(request: UInt64, options: WAMPDict = [:], topic: String, payload: Payload = .empty) {
            self.request = request
            self.options = options
            self.topic = topic
            self.payload = payload
        }
    }

    /// `[PUBLISHED, PUBLISH.Request|id, Publication|id]`.
    public struct Published: Sendable, Hashable {
        public var request: UInt64
        public var publication: UInt64

        public init(request: UInt64, publication: UInt64) {
            self.request = request
            self.publication = publication
        }
    }

    /// `[SUBSCRIBE, Request|id, Options|dict, Topic|uri]`.
    public struct Subscribe: Sendable, Hashable {
        public var request: UInt64
        public var options: WAMPDict
        public var topic: String

        public init(request: UInt64, options: WAMPDict = [:], topic: String) {
            self.request = request
            self.options = options
            self.topic = topic
        }
    }

    /// `[SUBSCRIBED, SUBSCRIBE.Request|id, Subscription|id]`.
    public struct Subscribed: Sendable, Hashable {
        public var request: UInt64
        public var subscription: UInt64

        public init(request: UInt64, subscription: UInt64) {
            self.request = request
            self.subscription = subscription
        }
    }

    /// `[UNSUBSCRIBE, Request|id, SUBSCRIBED.Subscription|id]`.
    public struct Unsubscribe: Sendable, Hashable {
        public var request: UInt64
        public var subscription: UInt64

        public init(request: UInt64, subscription: UInt64) {
            self.request = request
            self.subscription = subscription
        }
    }

    /// `[UNSUBSCRIBED, UNSUBSCRIBE.Request|id]`, or with `Details|dict` when the router revokes a
    /// subscription (then `request` is 0).
    public struct Unsubscribed: Sendable, Hashable {
        public var request: UInt64
        public var details: WAMPDict?

        public init(request: UInt64, details: WAMPDict? = nil) {
            self.request = request
            self.details = details
        }
    }

    /// `[EVENT, SUBSCRIBED.Subscription|id, PUBLISHED.Publication|id, Details|dict, Arguments|list,
    /// ArgumentsKw|dict]`.
    public struct Event: Sendable, Hashable {
        public var subscription: UInt64
        public var publication: UInt64
        public var details: WAMPDict
        public var payload: Payload

        public init(subscription: UInt64, publication: UInt64, details: WAMPDict = [:], payload: Payload = .empty) {
            self.subscription = subscription
            self.publication = publication
            self.details = details
            self.payload = payload
        }
    }

    /// `[EVENT_RECEIVED, EVENT.Publication|id, Details|dict?, Payload...]`: a subscriber acknowledges
    /// an event (acknowledged event delivery).
    public struct EventReceived: Sendable, Hashable {
        public var publication: UInt64
        public var details: WAMPDict?
        public var payload: Payload

        public init(publication: UInt64, details: WAMPDict? = nil, payload: Payload = .empty) {
            self.publication = publication
            self.details = details
            self.payload = payload
        }
    }
}
