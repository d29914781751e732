import WAMPCore

/// One kept event of a cluster stream, as read back from Redis.
public struct ClusterStreamEvent: Sendable {
    public var offset: UInt64
    /// Wall-clock milliseconds when the publishing node sent it.
    public var timestamp: Int64
    public var publication: UInt64
    public var payload: Payload
    public var options: WAMPDict
    /// The EVENT details the publishing node computed (without `_offset`/`_epoch`).
    public var details: WAMPDict
    public var publisher: RemotePublisher
    /// The realm's publication count when Redis took it (nil in entries written before it was
    /// kept): events of several topics interleave by it.
    public var order: UInt64?

    public init(
        offset: UInt64, timestamp: Int64, publication: UInt64, payload: Payload, options: WAMPDict,
        details: WAMPDict, publisher: RemotePublisher, order: UInt64? = nil
    ) {
        self.order = order
        self.offset = offset
        self.timestamp = timestamp
        self.publication = publication
        self.payload = payload
        self.options = options
        self.details = details
        self.publisher = publisher
    }
}

/// A stream as Redis had it at one instant.
public struct ClusterStreamRead: Sendable {
    public var epoch: String
    /// The last offset given in this topic (0: none yet).
    public var current: UInt64
    /// Kept events after the offset asked for, oldest first.
    public var events: [ClusterStreamEvent]

    public init(epoch: String, current: UInt64, events: [ClusterStreamEvent]) {
        self.epoch = epoch
        self.current = current
        self.events = events
    }

    /// Decides a recovery from `position`: every event after it, contiguous up to `current` and
    /// none older than `oldest` (wall ms, the age limit), or the current position when one is gone
    /// (another epoch, trimmed, expired, or a position ahead of the stream).
    func recover(after position: StreamPosition, oldest: Int64?) -> ClusterRecoveryDecision {
        let now = StreamPosition(offset: self.current, epoch: self.epoch)
        guard position.epoch == self.epoch, position.offset <= self.current else { return .incomplete(now) }
        var expected = position.offset + 1
        var missed: [ClusterStreamEvent] = []
        for event in self.events where event.offset > position.offset {
            guard event.offset == expected, oldest.map({ event.timestamp >= $0 }) ?? true else {
                return .incomplete(now)
            }
            missed.append(event)
            expected += 1
        }
        return expected == self.current + 1 ? .recovered(missed) : .incomplete(now)
    }
}

/// The answer to a `_recover` read from the cluster.
enum ClusterRecoveryDecision {
    /// Every missed event, oldest first.
    case recovered([ClusterStreamEvent])
    /// Something is gone: the stream's current position, for the ERROR details.
    case incomplete(StreamPosition)
}
