import JunctionRouter
import NIOCore
import WAMPCore

/// A peer that is neither WebSocket nor RawSocket: records what the realm delivers, on its own
/// event loop, flushes the way a transport does (once per loop tick, through `PendingFlushes`),
/// and sends to the realm the way a connection does (through the realm's loop's mailbox when
/// that is another loop).
final class RecordingTarget: DeliveryTarget {
    enum Record: Equatable {
        case joined(session: UInt64)
        case unicast(WAMPMessage)
        case shared(WAMPMessage, fromOtherLoop: Bool)
        case flush
    }

    private let mailbox: LoopMailbox
    private let realm: Realm
    private let realmMailbox: LoopMailbox
    private(set) var records: [Record] = []
    private(set) var session: UInt64 = 0
    private var flushPending = false
    /// Completed at the first flush after `count` deliveries.
    private var waiter: (count: Int, promise: EventLoopPromise<[Record]>)?
    /// Called with every INVOCATION; what it returns is sent back to the realm.
    var answer: ((WAMPMessage.Invocation) -> WAMPMessage)?

    init(mailbox: LoopMailbox, realm: Realm, realmMailbox: LoopMailbox) {
        self.mailbox = mailbox
        self.realm = realm
        self.realmMailbox = realmMailbox
    }

    private var deliveries: Int { self.records.count { $0 != .flush } }

    /// What was recorded, once `count` deliveries have been made and flushed.
    func recorded(deliveries count: Int) -> EventLoopFuture<[Record]> {
        let promise = self.mailbox.eventLoop.makePromise(of: [Record].self)
        if self.deliveries >= count, !self.flushPending {
            promise.succeed(self.records)
        } else {
            self.waiter = (count, promise)
        }
        return promise.futureResult
    }

    /// Sends `message` to the realm as this session.
    func send(_ message: WAMPMessage) {
        if self.realm.eventLoop.inEventLoop {
            self.realm.receive(message, from: self.session)
        } else {
            self.realmMailbox.post(.route(self.realm, message, session: self.session))
        }
    }

    func deliver(_ message: WAMPMessage) {
        self.record(.unicast(message))
        if case .invocation(let invocation) = message, let answer = self.answer { self.send(answer(invocation)) }
    }

    func deliver(_ message: SharedMessage, fromOtherLoop: Bool) {
        self.record(.shared(message.message, fromOtherLoop: fromOtherLoop))
    }

    func routerGoodbye(reason: String, message: String?) {
        self.record(.unicast(.goodbye(.init(reason: reason))))
    }

    func routerAbort(_ abort: WAMPMessage.Abort) {
        self.record(.unicast(.abort(abort)))
    }

    func joinCompleted(_ outcome: Realm.JoinOutcome) {
        if case .welcome(let session, _) = outcome { self.session = session }
        self.record(.joined(session: self.session))
    }

    func flushIfPending() {
        guard self.flushPending else { return }
        self.flushPending = false
        self.records.append(.flush)
        if let waiter = self.waiter, self.deliveries >= waiter.count {
            self.waiter = nil
            waiter.promise.succeed(self.records)
        }
    }

    private func record(_ record: Record) {
        self.mailbox.eventLoop.preconditionInEventLoop()
        self.records.append(record)
        guard !self.flushPending else { return }
        self.flushPending = true
        self.mailbox.flushes.add(self)
    }
}

@available(*, unavailable)
extension RecordingTarget: Sendable {}
