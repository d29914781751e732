/// What the roles of one event loop counted; summed over loops for the report.
///
/// The meaning of `completed` depends on the scenario: calls answered (rpc), events delivered
/// (pubsub), sessions established (connect, idle).
struct Counters: Sendable, Codable {
    var sent = 0
    var completed = 0
    var acknowledged = 0
    var errors = 0

    static func + (lhs: Counters, rhs: Counters) -> Counters {
        Counters(
            sent: lhs.sent + rhs.sent, completed: lhs.completed + rhs.completed,
            acknowledged: lhs.acknowledged + rhs.acknowledged, errors: lhs.errors + rhs.errors)
    }
}

/// Delivery correctness over a whole pub/sub run (warm-up included), summed over subscribers.
struct DeliveryTally: Sendable, Codable {
    var published = 0
    var uniqueDeliveries = 0
    var duplicates = 0
    var outOfOrder = 0

    static func + (lhs: DeliveryTally, rhs: DeliveryTally) -> DeliveryTally {
        DeliveryTally(
            published: lhs.published + rhs.published, uniqueDeliveries: lhs.uniqueDeliveries + rhs.uniqueDeliveries,
            duplicates: lhs.duplicates + rhs.duplicates, outOfOrder: lhs.outOfOrder + rhs.outOfOrder)
    }
}

/// A role that contributes to the delivery tally at the end of a run.
protocol DeliveryTallying: AnyObject {
    func addTally(into tally: inout DeliveryTally)
}

/// A role that starts sending when the scenario says so (after every session is set up).
protocol LoadStarting: AnyObject {
    func startLoad()
}
