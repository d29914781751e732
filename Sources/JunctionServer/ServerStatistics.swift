import Synchronization

/// Counters of what the router did to protect itself, readable from any thread.
public final class ServerStatistics: Sendable {
    private let droppedEventsCounter = Atomic<Int>(0)
    private let slowConsumerDisconnectsCounter = Atomic<Int>(0)

    public init() {}

    /// Events not delivered because their subscriber could not keep up (`drop` policy).
    public var droppedEvents: Int { self.droppedEventsCounter.load(ordering: .relaxed) }

    /// Sessions ended because they could not keep up (`disconnect` policy or RPC backlog).
    public var slowConsumerDisconnects: Int { self.slowConsumerDisconnectsCounter.load(ordering: .relaxed) }

    func eventDropped() {
        self.droppedEventsCounter.add(1, ordering: .relaxed)
    }

    func slowConsumerDisconnected() {
        self.slowConsumerDisconnectsCounter.add(1, ordering: .relaxed)
    }
}
