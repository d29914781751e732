import NIOCore
import WAMPCore

/// What the router counts on one event loop, in plain integers: the realms of the loop and the
/// sessions whose connections run on it add to the same instance.
///
/// The data path touches only these fields (no lock, no atomic, no allocation, no lookup); a
/// metrics collector reads a `snapshot()` on the loop now and then and publishes the totals.
/// Confined to its loop like `Realm` (and `@unchecked Sendable` for the same reason: it is
/// handed to the loop once and only used there).
public final class RouterCounters: @unchecked Sendable {
    public var messagesIn = MessageTypeCounts()
    public var messagesOut = MessageTypeCounts()
    /// Bytes read from / written to the sockets of the loop's connections (framing and TLS included).
    public var bytesIn = 0
    public var bytesOut = 0
    /// Application PUBLISH messages the broker accepted (meta events and testaments not counted).
    public var publications = 0
    /// EVENT messages handed to subscribers (one per receiver).
    public var deliveries = 0
    /// CALLs routed to a callee (meta procedures not counted).
    public var callsRouted = 0
    /// How long routed calls took, from CALL to their final RESULT or ERROR.
    public var callDurations = CallDurationHistogram()
    /// Actions a role's permissions or a dynamic authorizer refused.
    public var authorizationDenials = 0

    public init() {}

    /// A copy of every counter (call on the counters' loop).
    public func snapshot() -> RouterCountersSnapshot {
        RouterCountersSnapshot(
            messagesIn: self.messagesIn, messagesOut: self.messagesOut, bytesIn: self.bytesIn,
            bytesOut: self.bytesOut, publications: self.publications, deliveries: self.deliveries,
            callsRouted: self.callsRouted, callDurations: self.callDurations,
            authorizationDenials: self.authorizationDenials)
    }
}

/// The values of `RouterCounters` at one moment, summable across loops.
public struct RouterCountersSnapshot: Sendable, Equatable {
    public var messagesIn = MessageTypeCounts()
    public var messagesOut = MessageTypeCounts()
    public var bytesIn = 0
    public var bytesOut = 0
    public var publications = 0
    public var deliveries = 0
    public var callsRouted = 0
    public var callDurations = CallDurationHistogram()
    public var authorizationDenials = 0

    public init() {}

    init(
        messagesIn: MessageTypeCounts, messagesOut: MessageTypeCounts, bytesIn: Int, bytesOut: Int,
        publications: Int, deliveries: Int, callsRouted: Int, callDurations: CallDurationHistogram,
        authorizationDenials: Int
    ) {
        self.messagesIn = messagesIn
        self.messagesOut = messagesOut
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.publications = publications
        self.deliveries = deliveries
        self.callsRouted = callsRouted
        self.callDurations = callDurations
        self.authorizationDenials = authorizationDenials
    }

    public mutating func add(_ other: RouterCountersSnapshot) {
        self.messagesIn.add(other.messagesIn)
        self.messagesOut.add(other.messagesOut)
        self.bytesIn += other.bytesIn
        self.bytesOut += other.bytesOut
        self.publications += other.publications
        self.deliveries += other.deliveries
        self.callsRouted += other.callsRouted
        self.callDurations.add(other.callDurations)
        self.authorizationDenials += other.authorizationDenials
    }
}

/// A count per WAMP message type, indexed by the type code (one array per loop, allocated once).
public struct MessageTypeCounts: Sendable, Equatable {
    /// Codes 0...70 by value; everything above (`EVENT_RECEIVED`, 337) in the last slot.
    private var counts = [Int](repeating: 0, count: 72)

    public init() {}

    @inline(__always)
    public mutating func count(_ type: MessageType) {
        self.counts[type.rawValue < 71 ? Int(type.rawValue) : 71] += 1
    }

    public subscript(type: MessageType) -> Int {
        self.counts[type.rawValue < 71 ? Int(type.rawValue) : 71]
    }

    mutating func add(_ other: MessageTypeCounts) {
        for index in self.counts.indices { self.counts[index] += other.counts[index] }
    }
}

/// Durations in fixed buckets (seconds, upper bounds inclusive), as a Prometheus histogram needs
/// them; each observation is a comparison per bucket and two additions, no allocation.
public struct CallDurationHistogram: Sendable, Equatable {
    /// Upper bounds in seconds: 100 µs to 30 s.
    public static let bounds: [Double] = [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
    ]
    private static let boundsNanoseconds: [UInt64] = Self.bounds.map { UInt64($0 * 1e9) }

    /// Observations per bucket (not cumulative); the last slot counts those above every bound.
    public private(set) var buckets = [Int](repeating: 0, count: Self.bounds.count + 1)
    public private(set) var count = 0
    public private(set) var sumNanoseconds: UInt64 = 0

    public init() {}

    public mutating func observe(nanoseconds: UInt64) {
        var index = 0
        while index < Self.boundsNanoseconds.count, nanoseconds > Self.boundsNanoseconds[index] { index += 1 }
        self.buckets[index] += 1
        self.count += 1
        self.sumNanoseconds &+= nanoseconds
    }

    mutating func add(_ other: CallDurationHistogram) {
        for index in self.buckets.indices { self.buckets[index] += other.buckets[index] }
        self.count += other.count
        self.sumNanoseconds &+= other.sumNanoseconds
    }
}
