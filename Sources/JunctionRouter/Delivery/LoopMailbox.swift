import NIOCore
import Synchronization
import WAMPCore

/// Work for one event loop's sessions and realms, handed over by the other loops in batches.
///
/// A realm runs on one loop; its sessions run on all of them. Posting each message as its own
/// task costs an allocation and, when the receiving loop sleeps, a wake-up (~100 µs across CPUs
/// on a VM) per message; fanned out to a thousand subscribers that is a thousand tasks per
/// publication. The mailbox takes one task per batch, runs the batch in posting order (so the
/// order between two loops is kept, as with tasks).
///
/// What it delivers to is any `DeliveryTarget` of its loop (through `PeerHandle`); what it
/// routes goes to a realm on its loop.
public final class LoopMailbox: Sendable {
    /// One thing to do on the mailbox's loop.
    public enum Item: Sendable {
        case deliver(LoopBoundTarget, WAMPMessage)
        case deliverShared(SharedDelivery)
        case goodbye(LoopBoundTarget, reason: String, message: String?)
        case abort(LoopBoundTarget, WAMPMessage.Abort)
        /// The realm's answer to a session's join (kept in order with what it sends afterwards).
        case joined(LoopBoundTarget, Realm.JoinOutcome)
        /// A session's message for a realm on this loop.
        case route(Realm, WAMPMessage, session: UInt64)
        case leave(Realm, session: UInt64)
        /// A session's transport changes its testament (an MQTT will), in order with its messages.
        case testament(Realm, session: UInt64, TestamentChange)
        /// Runs after everything posted before it: a fence, e.g. for "every delivery of this
        /// publication has been handled on this loop".
        case barrier(@Sendable () -> Void)
    }

    private struct Queue {
        var items: [Item] = []
        /// The storage of the last batch, kept for the next one.
        var spare: [Item] = []
        var drainScheduled = false
    }

    public let eventLoop: any EventLoop
    /// This loop's delivery targets waiting for a flush.
    public let flushes: PendingFlushes
    /// The encodings of the shared message this loop delivered last.
    public let sharedEncodings = SharedEncodingMemo()
    private let queue = Mutex(Queue())

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.flushes = PendingFlushes(eventLoop: eventLoop)
    }

    /// Queues `item` for the mailbox's loop; callable from any thread.
    public func post(_ item: Item) {
        self.enqueue { $0.append(item) }
    }

    /// Queues a shared message for `target`. Consecutive receivers of the same message (a
    /// publication fanned out) share one item.
    func post(_ message: SharedMessage, to target: LoopBoundTarget) {
        self.enqueue { items in
            if case .deliverShared(let delivery)? = items.last, delivery.message === message {
                delivery.targets.append(target)
            } else {
                items.append(.deliverShared(SharedDelivery(message, target)))
            }
        }
    }

    /// Adds to the queue under the lock and schedules a drain unless one is already due.
    private func enqueue(_ add: (inout [Item]) -> Void) {
        let schedule = self.queue.withLock { queue in
            add(&queue.items)
            guard !queue.drainScheduled else { return false }
            queue.drainScheduled = true
            return true
        }
        if schedule { self.eventLoop.execute { self.drain() } }
    }

    /// Runs one batch; if more arrived meanwhile, schedules itself again rather than keeping the
    /// loop from its sockets.
    private func drain() {
        var batch = self.queue.withLock { queue in
            let batch = queue.items
            queue.items = queue.spare
            queue.spare = []
            return batch
        }
        for item in batch { Self.run(item) }
        batch.removeAll(keepingCapacity: true)
        let again = self.queue.withLock { queue in
            queue.spare = batch
            if queue.items.isEmpty {
                queue.drainScheduled = false
                return false
            }
            return true
        }
        if again { self.eventLoop.execute { self.drain() } }
    }

    private static func run(_ item: Item) {
        switch item {
        case .deliver(let bound, let message):
            bound.target.deliver(message)
        case .deliverShared(let delivery):
            for bound in delivery.targets { bound.target.deliver(delivery.message, fromOtherLoop: true) }
        case .goodbye(let bound, let reason, let message):
            bound.target.routerGoodbye(reason: reason, message: message)
        case .abort(let bound, let abort):
            bound.target.routerAbort(abort)
        case .joined(let bound, let outcome):
            bound.target.joinCompleted(outcome)
        case .route(let realm, let message, let session):
            realm.receive(message, from: session)
        case .leave(let realm, let session):
            realm.leave(session: session)
        case .testament(let realm, let session, let change):
            realm.changeTestament(session: session, change)
        case .barrier(let body):
            body()
        }
    }
}

/// One shared message and the delivery targets of one loop it goes to.
///
/// Mutated only under the mailbox's lock until the batch holding it is taken, then only read.
public final class SharedDelivery: @unchecked Sendable {
    let message: SharedMessage
    var targets: [LoopBoundTarget]

    init(_ message: SharedMessage, _ target: LoopBoundTarget) {
        self.message = message
        self.targets = [target]
    }
}

/// The mailbox of every event loop of the server's group, fixed at start.
public struct LoopMailboxes: Sendable {
    private let mailboxes: [LoopMailbox]

    public init(group: any EventLoopGroup) {
        self.mailboxes = group.makeIterator().map { LoopMailbox(eventLoop: $0) }
    }

    /// Every loop's mailbox.
    public var all: [LoopMailbox] { self.mailboxes }

    /// The mailbox of `loop`, or nil for a loop outside the group.
    public func mailbox(for loop: any EventLoop) -> LoopMailbox? {
        self.mailboxes.first { $0.eventLoop === loop }
    }
}
