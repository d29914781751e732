import NIOCore

/// The connections of one event loop that were written to and still need a flush.
///
/// A message for a connection usually arrives while its loop is busy with something else: other
/// connections' reads (a PUBLISH fanned out, a CALL turned into an INVOCATION) or a batch from the
/// loop's mailbox. Every receiver is flushed once, by one task at the end of the loop tick: after
/// all the reads the tick had, so a tick's messages for one peer leave in one system call, and
/// with one task per tick rather than one per receiver (fanned out to 1 000 subscribers, that
/// was 1 000 tasks per publication).
///
/// Only ever used on its own event loop (`@unchecked Sendable` so handlers may hold it).
final class PendingFlushes: @unchecked Sendable {
    private let eventLoop: any EventLoop
    private var handlers: [SessionChannelHandler] = []
    private var spare: [SessionChannelHandler] = []
    private var taskScheduled = false

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// `handler` wrote without flushing; it is flushed at the end of this loop tick. The caller
    /// adds a handler once per flush.
    func add(_ handler: SessionChannelHandler) {
        self.handlers.append(handler)
        guard !self.taskScheduled else { return }
        self.taskScheduled = true
        let flushes = NIOLoopBound(self, eventLoop: self.eventLoop)
        self.eventLoop.execute { flushes.value.flushAll() }
    }

    private func flushAll() {
        self.taskScheduled = false
        // A flush can close a channel and so reach `add` again: iterate over a detached batch.
        var batch = self.handlers
        self.handlers = self.spare
        self.spare = []
        for handler in batch { handler.flushIfPending() }
        batch.removeAll(keepingCapacity: true)
        self.spare = batch
    }
}
