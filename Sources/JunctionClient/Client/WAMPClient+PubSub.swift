import WAMPCore

extension WAMPClient {
    /// Publishes an event to `topic`.
    ///
    /// - Returns: the publication ID when `options.acknowledge` is set (the router confirmed it),
    ///   else `nil` once the message is handed to the connection.
    /// - Throws: ``WAMPError`` for an acknowledged publication the router refused.
    @discardableResult
    public func publish(
        _ topic: String, args: WAMPList = [], kwargs: WAMPDict = [:], options: PublishOptions = PublishOptions()
    ) async throws -> UInt64? {
        let local = self.core.withLockedValue { $0.allocateLocal() }
        let success = try await self.request(local) { core in
            try core.machine.publish(
                local, topic: topic, args: args, kwargs: kwargs, options: options.wireOptions,
                acknowledge: options.acknowledge)
        }
        guard case .published(let publication) = success else { return nil }
        return publication
    }

    /// Subscribes to `topic`; iterate the returned ``Subscription`` to receive events.
    ///
    /// Events are buffered until read. The subscription is restored automatically after a
    /// reconnect; the sequence ends on ``Subscription/unsubscribe()`` or when the client closes.
    ///
    /// On a topic with history on a Junction router (a stream: events carry `_offset`/`_epoch`),
    /// the client remembers the last position delivered and resubscribes with `_recover` after a
    /// reconnect: the missed events arrive first, in order, with no duplicates. When the router no
    /// longer has them, the sequence yields one marker event whose ``Event/recoveryIncomplete`` is
    /// set — reload the application's state — and continues with live events.
    public func subscribe(_ topic: String, options: SubscribeOptions = SubscribeOptions()) async throws -> Subscription {
        let local = self.core.withLockedValue { $0.allocateLocal() }
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self)
        _ = try await self.request(local) { core in
            core.eventSinks[local] = continuation
            return try core.machine.subscribe(
                local, topic: topic, options: options.wireOptions, recoverFrom: options.recoverFrom)
        } cleanup: { core in
            core.eventSinks[local] = nil
        }
        return Subscription(topic: topic, local: local, client: self, events: stream)
    }

    /// Subscribes to `topic` and calls `handler` for every event, one at a time, in order.
    @discardableResult
    public func subscribe(
        _ topic: String, options: SubscribeOptions = SubscribeOptions(),
        handler: @escaping @Sendable (Event) async -> Void
    ) async throws -> Subscription {
        let subscription = try await self.subscribe(topic, options: options)
        Task {
            for await event in subscription {
                await handler(event)
            }
        }
        return subscription
    }

    /// Removes a subscription and ends its event sequence.
    public func unsubscribe(_ subscription: Subscription) async throws {
        let waiter = self.core.withLockedValue { $0.allocateLocal() }
        _ = try await self.request(waiter) { core in
            if let sink = core.eventSinks.removeValue(forKey: subscription.local) { sink.finish() }
            return core.machine.unsubscribe(subscription.local, waiter: waiter)
        }
    }
}

/// The events of one subscription, as an `AsyncSequence`. Survives reconnects.
public struct Subscription: AsyncSequence, Sendable {
    public typealias Element = Event

    /// The subscribed URI (or pattern).
    public let topic: String
    let local: LocalID
    let client: WAMPClient
    let events: AsyncStream<Event>

    public func makeAsyncIterator() -> AsyncStream<Event>.Iterator {
        self.events.makeAsyncIterator()
    }

    /// Unsubscribes; the sequence ends.
    public func unsubscribe() async throws {
        try await self.client.unsubscribe(self)
    }
}
