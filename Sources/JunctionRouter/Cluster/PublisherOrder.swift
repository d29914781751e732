/// Keeps each publisher's publications in publication order on this node while some of them wait
/// for Redis (a history topic's offset is assigned there): a later publication of the same
/// publisher, to any topic, is delivered locally only after every earlier one was delivered or
/// refused.
///
/// Pure and generic over what "deliver" is, so it is tested without a realm. `reserve` takes a
/// place for a publication that waits, `settle` fills it (nil: refused, nothing to deliver) and
/// returns what may now run, in order; `enqueue` puts a publication that does not wait behind the
/// publisher's waiting ones (or says it can run at once). A publisher with nothing waiting costs
/// one empty-dictionary check.
struct PublisherOrder<Action> {
    private struct Slot {
        var ticket: UInt64
        var settled: Bool
        var action: Action?
    }

    private var queues: [UInt64: [Slot]] = [:]
    private var lastTicket: UInt64 = 0

    init() {}

    /// Whether some publication of `publisher` still waits.
    func isWaiting(_ publisher: UInt64) -> Bool {
        !self.queues.isEmpty && self.queues[publisher] != nil
    }

    /// The number of places taken (waiting or queued behind a waiting one), all publishers.
    var count: Int { self.queues.values.reduce(0) { $0 + $1.count } }

    /// Takes a place for a publication of `publisher` that waits; returns its ticket for `settle`.
    mutating func reserve(_ publisher: UInt64) -> UInt64 {
        self.lastTicket += 1
        self.queues[publisher, default: []].append(Slot(ticket: self.lastTicket, settled: false, action: nil))
        return self.lastTicket
    }

    /// Queues `action` behind `publisher`'s waiting publications; false when nothing waits (the
    /// caller runs it at once).
    mutating func enqueue(_ publisher: UInt64, _ action: Action) -> Bool {
        guard self.isWaiting(publisher) else { return false }
        self.lastTicket += 1
        self.queues[publisher]!.append(Slot(ticket: self.lastTicket, settled: true, action: action))
        return true
    }

    /// Fills `ticket`'s place (`nil`: the publication was refused) and returns the actions that
    /// can run now, oldest first: everything up to the next place still waiting.
    mutating func settle(_ publisher: UInt64, ticket: UInt64, action: Action?) -> [Action] {
        guard var queue = self.queues[publisher], let index = queue.firstIndex(where: { $0.ticket == ticket }) else {
            return []
        }
        queue[index].settled = true
        queue[index].action = action
        let ready = queue.prefix { $0.settled }
        let actions = ready.compactMap(\.action)
        queue.removeFirst(ready.count)
        self.queues[publisher] = queue.isEmpty ? nil : queue
        return actions
    }
}
