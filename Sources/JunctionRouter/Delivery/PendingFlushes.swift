import NIOCore

/// The delivery targets of one event loop that were written to and still need a flush.
///
/// A message for a connection usually arrives while its loop is busy with something else: other
/// connections' reads (a PUBLISH fanned out, a CALL turned into an INVOCATION) or a batch from the
/// loop's mailbox. Every receiver is flushed once, by one task at the end of the loop tick: after
/// all the reads the tick had, so a tick's messages for one peer leave in one system call, and
/// with one task per tick rather than one per receiver (fanned out to 1 000 subscribers, that
/// was 1 000 tasks per publication).
///
/// Only ever used on its own event loop (`@unchecked Sendable` so the loop's mailbox may hold it).
public final class PendingFlushes: @unchecked Sendable {
    private let eventLoop: any EventLoop
    private var targets: [any DeliveryTarget] = []
    private var spare: [any DeliveryTarget] = []
    private var taskScheduled = false

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// `target` wrote without flushing; its `flushIfPending` runs at the end of this loop tick.
    /// The caller adds a target once per flush. Call on the loop only.
    public func add(_ target: any DeliveryTarget) {
        self.eventLoop.assertInEventLoop()
        self.targets.append(target)
        guard !self.taskScheduled else { return }
        self.taskScheduled = true
        let flushes = NIOLoopBound(self, eventLoop: self.eventLoop)
        self.eventLoop.execute { flushes.value.flushAll() }
    }

    private func flushAll() {
        self.taskScheduled = false
        // A flush can close a channel and so reach `add` again: iterate over a detached batch.
        var batch = self.targets
        self.targets = self.spare
        self.spare = []
        for target in batch { target.flushIfPending() }
        batch.removeAll(keepingCapacity: true)
        self.spare = batch
    }
}
