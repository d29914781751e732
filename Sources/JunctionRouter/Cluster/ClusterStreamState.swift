import WAMPCore

/// What a clustered realm tracks for its cluster-wide streams, on the realm's loop: publications
/// waiting for their offset (in per-publisher order), `_recover` subscriptions waiting for their
/// Redis read (with the live events that arrived meanwhile), and the offsets each recovered
/// subscriber already has.
struct ClusterStreamState {
    var order = PublisherOrder<() -> Void>()
    var recoveries: [UInt64: PendingStreamRecovery] = [:]
    /// Pattern `_recover` subscriptions waiting for their Redis read (same tokens as `recoveries`).
    var patternRecoveries: [UInt64: PendingPatternRecovery] = [:]
    var lastRecovery: UInt64 = 0
    /// Per recovered (subscription, session, topic): the stream's offset when its history was read. A
    /// live event at or below it that reaches this node late (another source's frame can arrive
    /// after the read's reply) was already sent as recovered, so it is dropped.
    var floors: [StreamFloorKey: UInt64] = [:]
}

/// An exact SUBSCRIBE with `_recover` whose Redis read is in flight; nothing is subscribed yet.
struct PendingStreamRecovery {
    let session: UInt64
    let subscribe: WAMPMessage.Subscribe
    let position: StreamPosition
    /// The topic's age limit (seconds), to leave out what Redis still has but the rule drops.
    let maxAgeSeconds: Int?
    /// Live events of the topic that this node delivered while the read was in flight, in
    /// delivery order; those after the read's position follow the recovered ones.
    var buffered: [BufferedStreamEvent] = []
}

struct BufferedStreamEvent {
    let offset: UInt64
    let publication: UInt64
    let details: WAMPDict
    let payload: Payload
}

/// A pattern SUBSCRIBE with `_recover` whose Redis read is in flight; nothing is subscribed yet.
struct PendingPatternRecovery {
    let session: UInt64
    let subscribe: WAMPMessage.Subscribe
    let match: MatchPolicy
    let positions: [String: StreamPosition]
    /// Live events of matching topics delivered while the read was in flight, in delivery order.
    var buffered: [(topic: String, event: BufferedStreamEvent)] = []
}

struct StreamFloorKey: Hashable {
    let subscription: UInt64
    let session: UInt64
    let topic: String
}

/// Redis could not be asked (the node is disconnected from it).
struct ClusterUnreachable: Error, CustomStringConvertible {
    var description: String { "Redis is unreachable" }
}
