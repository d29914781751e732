import WAMPCore

/// Subscription and registration ids: random in [1, 2^53], drawn again while the id is in use.
///
/// Per-realm counters would hand out the same ids on every router node of a cluster (and make
/// them guessable); random ids collide across nodes only by chance, and a node never reuses one
/// it still holds. The random source is injected so tests can force collisions.
struct RandomIDGenerator {
    /// Draws one candidate; values outside [1, 2^53] are drawn again.
    private let draw: () -> UInt64

    init(draw: @escaping () -> UInt64 = { WAMPID.random() }) {
        self.draw = draw
    }

    /// A valid id for which `inUse` is false.
    func next(inUse: (UInt64) -> Bool) -> UInt64 {
        while true {
            let id = self.draw()
            if WAMPID.isValid(id), !inUse(id) { return id }
        }
    }
}
