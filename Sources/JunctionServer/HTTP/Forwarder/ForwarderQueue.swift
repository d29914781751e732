/// The events a forwarder still has to post, oldest first, at most `capacity`: a publisher that
/// outruns the receiving URL costs a bounded amount of memory, and the excess is dropped (the
/// newest events, so what was accepted keeps its order) and counted.
struct ForwarderQueue<Element: Sendable>: Sendable {
    let capacity: Int
    private var items: [Element] = []
    private var head = 0
    private(set) var dropped = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { self.items.count - self.head }
    var isEmpty: Bool { self.count == 0 }

    /// Appends `element`; `false` (and counted) when the queue is full.
    mutating func offer(_ element: Element) -> Bool {
        guard self.count < self.capacity else {
            self.dropped += 1
            return false
        }
        self.items.append(element)
        return true
    }

    /// Removes and returns the oldest element.
    mutating func next() -> Element? {
        guard self.head < self.items.count else { return nil }
        let element = self.items[self.head]
        self.head += 1
        // Compact once the consumed prefix is half the storage, so memory stays bounded.
        if self.head >= 64 && self.head * 2 >= self.items.count {
            self.items.removeFirst(self.head)
            self.head = 0
        }
        return element
    }
}
