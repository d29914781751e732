import JunctionRouter
import JunctionTransport
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
final class LoopMailbox: Sendable {
    /// One thing to do on the mailbox's loop.
    enum Item: Sendable {
        case deliver(NIOLoopBound<SessionChannelHandler>, WAMPMessage)
        case deliverShared(SharedDelivery)
        case goodbye(NIOLoopBound<SessionChannelHandler>, reason: String, message: String?)
        case abort(NIOLoopBound<SessionChannelHandler>, WAMPMessage.Abort)
        /// The realm's answer to a session's join (kept in order with what it sends afterwards).
        case joined(NIOLoopBound<SessionChannelHandler>, Realm.JoinOutcome)
        case route(Realm, WAMPMessage, session: UInt64)
        case leave(Realm, session: UInt64)
    }

    private struct Queue {
        var items: [Item] = []
        /// The storage of the last batch, kept for the next one.
        var spare: [Item] = []
        var drainScheduled = false
    }

    let eventLoop: any EventLoop
    /// This loop's connections waiting for a flush.
    let flushes: PendingFlushes
    /// The framed bytes of the shared message this loop delivered last.
    let sharedFramings = SharedFramingMemo()
    private let queue = Mutex(Queue())

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.flushes = PendingFlushes(eventLoop: eventLoop)
    }

    /// Queues `item` for the mailbox's loop; callable from any thread.
    func post(_ item: Item) {
        self.enqueue { $0.append(item) }
    }

    /// Queues a shared message for `handler`. Consecutive receivers of the same message (a
    /// publication fanned out) share one item.
    func post(_ message: SharedMessage, to handler: NIOLoopBound<SessionChannelHandler>) {
        self.enqueue { items in
            if case .deliverShared(let delivery)? = items.last, delivery.message === message {
                delivery.handlers.append(handler)
            } else {
                items.append(.deliverShared(SharedDelivery(message, handler)))
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
        case .deliver(let handler, let message):
            handler.value.deliver(message)
        case .deliverShared(let delivery):
            for handler in delivery.handlers { handler.value.deliver(delivery.message, fromOtherLoop: true) }
        case .goodbye(let handler, let reason, let message):
            handler.value.routerGoodbye(reason: reason, message: message)
        case .abort(let handler, let abort):
            handler.value.routerAbort(abort)
        case .joined(let handler, let outcome):
            handler.value.joinCompleted(outcome)
        case .route(let realm, let message, let session):
            realm.receive(message, from: session)
        case .leave(let realm, let session):
            realm.leave(session: session)
        }
    }
}

/// One shared message and the connections of one loop it goes to.
///
/// Mutated only under the mailbox's lock until the batch holding it is taken, then only read.
final class SharedDelivery: @unchecked Sendable {
    let message: SharedMessage
    var handlers: [NIOLoopBound<SessionChannelHandler>]

    init(_ message: SharedMessage, _ handler: NIOLoopBound<SessionChannelHandler>) {
        self.message = message
        self.handlers = [handler]
    }
}

/// The mailbox of every event loop of the server's group, fixed at start.
struct LoopMailboxes: Sendable {
    private let mailboxes: [LoopMailbox]

    init(group: any EventLoopGroup) {
        self.mailboxes = group.makeIterator().map { LoopMailbox(eventLoop: $0) }
    }

    /// The mailbox of `loop`, or nil for a loop outside the group.
    func mailbox(for loop: any EventLoop) -> LoopMailbox? {
        self.mailboxes.first { $0.eventLoop === loop }
    }
}
