import Synchronization

/// Run-wide flags read by every role on every event loop: whether to keep issuing requests.
///
/// An atomic rather than a per-loop message because roles check it per request and a stop must
/// take effect everywhere at once.
final class RunControl: Sendable {
    private let stopping = Atomic<Bool>(false)

    var isStopping: Bool { self.stopping.load(ordering: .relaxed) }

    func stop() {
        self.stopping.store(true, ordering: .relaxed)
    }
}
