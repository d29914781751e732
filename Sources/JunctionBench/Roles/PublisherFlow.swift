import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// Closed-loop flow control for one publisher without acknowledgements: how many of its events
/// the subscribers have received, and how to wake it when it is waiting for them.
///
/// Without this, "maximum throughput" of unacknowledged publishing would only measure how fast the
/// router *accepts* publications while its queues towards subscribers grow without bound. The
/// publisher keeps at most `window` publications' worth of deliveries outstanding instead.
final class PublisherFlow: Sendable {
    private let delivered = Atomic<Int>(0)
    private let waiting = Atomic<Bool>(false)
    private let waker = NIOLockedValueBox<(@Sendable () -> Void)?>(nil)

    var deliveredCount: Int { self.delivered.load(ordering: .sequentiallyConsistent) }

    /// Set once, before load starts: schedules the publisher's `wake()` on its loop.
    func setWaker(_ waker: @escaping @Sendable () -> Void) {
        self.waker.withLockedValue { $0 = waker }
    }

    /// Called by the publisher when its window is full; it must re-check after this.
    func markWaiting() {
        self.waiting.store(true, ordering: .sequentiallyConsistent)
    }

    func clearWaiting() {
        self.waiting.store(false, ordering: .sequentiallyConsistent)
    }

    /// Called by subscribers once per read batch with the events they got from this publisher.
    func addDelivered(_ count: Int) {
        self.delivered.add(count, ordering: .sequentiallyConsistent)
        if self.waiting.load(ordering: .sequentiallyConsistent),
            self.waiting.exchange(false, ordering: .sequentiallyConsistent)
        {
            self.waker.withLockedValue { $0 }?()
        }
    }
}
