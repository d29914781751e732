import MQTTCore

/// What of one persistent session is on disk, and the writes that bring the disk up to date with
/// the session's state: pure, so the handler stays ignorant of records and the state machine of
/// storage.
///
/// The session state changes in many places (deliveries, acknowledgements, takeover, restore);
/// rather than each reporting its change, the journal compares the state with its image after
/// every step. The comparison allocates nothing when nothing changed: the header is compared
/// field by field, in-flight messages by packet id and send sequence, and the queue — which only
/// loses messages (sent, expired, handed to another group member) and gains them at its end — by
/// walking both in order.
public struct MQTTSessionJournal: Sendable {
    /// One change to write.
    public enum Write: Sendable, Hashable {
        case putSession(MQTTSessionRecord)
        case removeSession
        case putMessage(serial: UInt64, MQTTMessageRecord)
        case removeMessage(serial: UInt64)
    }

    struct InflightImage: Sendable, Hashable {
        var serial: UInt64
        var sequence: UInt64
        var released: Bool
    }

    /// The header on disk; nil: none.
    private(set) var session: MQTTSessionRecord?
    private(set) var inflight: [UInt16: InflightImage] = [:]
    private(set) var queue: [(serial: UInt64, outbound: MQTTOutboundMessage)] = []
    private(set) var nextSerial: UInt64 = 1

    public init() {}

    /// Whether anything of the session is on disk.
    public var isEmpty: Bool { self.session == nil && self.inflight.isEmpty && self.queue.isEmpty }

    /// The writes that make the disk hold `state` (`sessionExpiry` seconds; `detachedAt`: when
    /// the client left, nil while connected). `now` converts queue times to the wall clock:
    /// `uptime` (the machine's monotonic nanoseconds, as in `MQTTOutboundMessage.queuedAt`) and
    /// `wall` (milliseconds since the Unix epoch). `identity`: who the client is (rejoining at
    /// start needs it).
    public mutating func update(
        to state: MQTTSessionState,
        sessionExpiry: UInt32,
        detachedAt: Int64?,
        identity: MQTTSessionIdentity? = nil,
        now: MQTTPersistenceClock
    ) -> [Write] {
        var writes: [Write] = []
        if let session = self.session, session.sessionExpiry == sessionExpiry,
            session.detachedAt == detachedAt,
            session.identity == identity,
            session.matches(state)
        {
            // Unchanged.
        } else {
            let record = MQTTSessionRecord(
                of: state, sessionExpiry: sessionExpiry, detachedAt: detachedAt, identity: identity)
            self.session = record
            writes.append(.putSession(record))
        }
        self.updateInflight(state.inflight, now: now, into: &writes)
        self.updateQueue(state.queue, now: now, into: &writes)
        return writes
    }

    /// The writes that remove everything of the session from disk.
    public mutating func forget() -> [Write] {
        var writes: [Write] = []
        if self.session != nil { writes.append(.removeSession) }
        for image in self.inflight.values.sorted(by: { $0.serial < $1.serial }) {
            writes.append(.removeMessage(serial: image.serial))
        }
        for entry in self.queue { writes.append(.removeMessage(serial: entry.serial)) }
        self = MQTTSessionJournal()
        return writes
    }

    private mutating func updateInflight(
        _ inflight: [UInt16: MQTTInflightMessage],
        now: MQTTPersistenceClock,
        into writes: inout [Write]
    ) {
        if inflight.count == self.inflight.count {
            var same = true
            for (id, message) in inflight {
                guard let image = self.inflight[id], image.sequence == message.sequence,
                    image.released == message.released
                else {
                    same = false
                    break
                }
            }
            if same { return }
        }
        for (id, image) in self.inflight where inflight[id]?.sequence != image.sequence {
            writes.append(.removeMessage(serial: image.serial))
            self.inflight[id] = nil
        }
        for (id, message) in inflight.sorted(by: { $0.value.sequence < $1.value.sequence }) {
            if let image = self.inflight[id], image.released == message.released { continue }
            let serial = self.inflight[id]?.serial ?? self.takeSerial()
            self.inflight[id] = InflightImage(
                serial: serial, sequence: message.sequence, released: message.released)
            writes.append(
                .putMessage(
                    serial: serial,
                    MQTTMessageRecord(
                        outbound: message.outbound,
                        placement: .inflight(
                            packetIdentifier: id,
                            sequence: message.sequence,
                            released: message.released
                        ),
                        queuedAtWallClock: now.wallClock(of: message.outbound.queuedAt)
                    )
                )
            )
        }
    }

    private mutating func updateQueue(
        _ queue: [MQTTOutboundMessage],
        now: MQTTPersistenceClock,
        into writes: inout [Write]
    ) {
        // Walk the image: a message still at the head of what is left of the queue stays, any
        // other is gone. What is left of the queue after the walk is new.
        var position = 0
        var changed = false
        for entry in self.queue {
            if position < queue.count, queue[position] == entry.outbound {
                position += 1
            } else {
                changed = true
                break
            }
        }
        if !changed && position == queue.count && position == self.queue.count { return }
        position = 0
        var kept: [(serial: UInt64, outbound: MQTTOutboundMessage)] = []
        kept.reserveCapacity(queue.count)
        for entry in self.queue {
            if position < queue.count, queue[position] == entry.outbound {
                kept.append(entry)
                position += 1
            } else {
                writes.append(.removeMessage(serial: entry.serial))
            }
        }
        while position < queue.count {
            let outbound = queue[position]
            let serial = self.takeSerial()
            kept.append((serial, outbound))
            writes.append(
                .putMessage(
                    serial: serial,
                    MQTTMessageRecord(
                        outbound: outbound,
                        placement: .queued,
                        queuedAtWallClock: now.wallClock(of: outbound.queuedAt)
                    )
                )
            )
            position += 1
        }
        self.queue = kept
    }

    private mutating func takeSerial() -> UInt64 {
        defer { self.nextSerial += 1 }
        return self.nextSerial
    }

    // MARK: Restoring

    /// A session read back from disk: its state (for `MQTTSessionStateMachine.accepted`) and the
    /// journal that knows it is on disk. In-flight messages keep their packet ids and send order
    /// (they are redelivered with DUP); queued ones their order; queue times are mapped from the
    /// wall clock onto `now`'s monotonic clock, so message expiry goes on counting.
    public static func restore(
        session: MQTTSessionRecord,
        messages: [(serial: UInt64, record: MQTTMessageRecord)],
        now: MQTTPersistenceClock
    ) -> (state: MQTTSessionState, journal: MQTTSessionJournal) {
        var state = MQTTSessionState()
        state.subscriptions = session.subscriptions
        state.inboundQoS2 = session.inboundQoS2
        var journal = MQTTSessionJournal()
        journal.session = session
        var highestID: UInt16 = 0
        for (serial, record) in messages.sorted(by: { $0.serial < $1.serial }) {
            var outbound = record.outbound
            outbound.queuedAt = now.uptime(of: record.queuedAtWallClock)
            journal.nextSerial = max(journal.nextSerial, serial == .max ? serial : serial + 1)
            switch record.placement {
            case .queued:
                state.queue.append(outbound)
                state.queuedBytes += outbound.size
                journal.queue.append((serial, outbound))
            case .inflight(let id, let sequence, let released):
                if let clash = journal.inflight[id] {
                    // Two messages in flight under one packet id cannot both be; keep the later.
                    guard clash.sequence < sequence else { continue }
                }
                state.inflight[id] = MQTTInflightMessage(
                    outbound: outbound, released: released, sequence: sequence)
                state.nextSequence = max(state.nextSequence, sequence == .max ? sequence : sequence + 1)
                journal.inflight[id] = InflightImage(serial: serial, sequence: sequence, released: released)
                highestID = max(highestID, id)
            }
        }
        state.nextPacketIdentifier = highestID == .max ? 1 : highestID + 1
        return (state, journal)
    }
}

/// The two clocks persistence needs: the monotonic one queue times are measured on (nanoseconds
/// of uptime) and the wall clock (milliseconds since the Unix epoch) they are stored in.
public struct MQTTPersistenceClock: Sendable, Hashable {
    public var uptimeNanoseconds: UInt64
    public var wallMilliseconds: Int64

    public init(uptimeNanoseconds: UInt64, wallMilliseconds: Int64) {
        self.uptimeNanoseconds = uptimeNanoseconds
        self.wallMilliseconds = wallMilliseconds
    }

    /// The wall clock time of monotonic time `uptime`.
    func wallClock(of uptime: UInt64) -> Int64 {
        let ago =
            self.uptimeNanoseconds > uptime ? Int64((self.uptimeNanoseconds - uptime) / 1_000_000) : 0
        return self.wallMilliseconds - ago
    }

    /// The monotonic time of wall clock time `wall` (0 if it was before this clock started).
    func uptime(of wall: Int64) -> UInt64 {
        // Saturating: a stored time may be anything.
        let (difference, overflow) = self.wallMilliseconds.subtractingReportingOverflow(wall)
        guard !overflow else { return difference < 0 ? 0 : self.uptimeNanoseconds }
        guard difference > 0 else { return self.uptimeNanoseconds }
        let (ago, tooFar) = UInt64(difference).multipliedReportingOverflow(by: 1_000_000)
        return !tooFar && self.uptimeNanoseconds > ago ? self.uptimeNanoseconds - ago : 0
    }
}
