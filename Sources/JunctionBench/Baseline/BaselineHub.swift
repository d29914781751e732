import NIOCore

/// The baseline's one "topic": the subscribed connections of one event loop.
///
/// An EVENT is framed once and the same `ByteBuffer` is written to every subscriber; flushes are
/// batched until the end of the publisher's read (or of the cross-loop task).
final class BaselineHub {
    private var subscribers: [ObjectIdentifier: BaselineHandler] = [:]
    private var dirty: [BaselineHandler] = []

    func add(_ handler: BaselineHandler) {
        self.subscribers[ObjectIdentifier(handler)] = handler
    }

    func remove(_ handler: BaselineHandler) {
        self.subscribers[ObjectIdentifier(handler)] = nil
    }

    func deliver(_ frame: ByteBuffer) {
        for handler in self.subscribers.values where handler.writeWithoutFlush(frame) {
            self.dirty.append(handler)
        }
    }

    func flush() {
        guard !self.dirty.isEmpty else { return }
        for handler in self.dirty { handler.flushNow() }
        self.dirty.removeAll(keepingCapacity: true)
    }
}

@available(*, unavailable)
extension BaselineHub: Sendable {}

/// Every loop's hub, so a publisher can reach subscribers on other loops.
struct BaselineHubs: Sendable {
    struct Entry: Sendable {
        let loop: any EventLoop
        let hub: NIOLoopBound<BaselineHub>
    }

    let entries: [Entry]

    func hub(for loop: any EventLoop) -> BaselineHub? {
        for entry in self.entries where entry.loop === loop { return entry.hub.value }
        return nil
    }

    /// Delivers `frame` to every subscriber: directly on the caller's loop (flushed later by the
    /// caller), via a task on the others.
    func publish(_ frame: ByteBuffer, from loop: any EventLoop) {
        for entry in self.entries {
            if entry.loop === loop {
                entry.hub.value.deliver(frame)
            } else {
                let hub = entry.hub
                entry.loop.execute {
                    hub.value.deliver(frame)
                    hub.value.flush()
                }
            }
        }
    }
}
