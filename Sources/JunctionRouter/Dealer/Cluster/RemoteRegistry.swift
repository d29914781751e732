/// The registrations of the other nodes as this realm last learned them: one set per node
/// incarnation, replaced as a whole whenever the node's list is read again.
///
/// Pure: `update` says what changed, the realm applies it to its dealer (and fires the meta
/// events). A list from a new epoch of a known node first removes everything of the old one.
struct RemoteRegistry {
    struct Change: Equatable {
        var removed: [RemoteRegistration] = []
        var added: [RemoteRegistration] = []
        /// The node's previous incarnation, when this list comes from a new one.
        var replaced: RemoteNode?
    }

    private(set) var nodes: [String: (epoch: UInt64, registrations: Set<RemoteRegistration>)] = [:]

    mutating func update(_ node: RemoteNode, registrations: Set<RemoteRegistration>) -> Change {
        var change = Change()
        var previous: Set<RemoteRegistration> = []
        if let known = self.nodes[node.node] {
            if known.epoch == node.epoch {
                previous = known.registrations
            } else {
                change.replaced = RemoteNode(node: node.node, epoch: known.epoch)
                change.removed = Self.sorted(known.registrations)
            }
        }
        change.removed += Self.sorted(previous.subtracting(registrations))
        change.added = Self.sorted(registrations.subtracting(previous))
        self.nodes[node.node] = (node.epoch, registrations)
        return change
    }

    /// Forgets a node (evicted, left): everything it had.
    mutating func remove(node: String) -> (epoch: UInt64, registrations: [RemoteRegistration])? {
        guard let known = self.nodes.removeValue(forKey: node) else { return nil }
        return (known.epoch, Self.sorted(known.registrations))
    }

    /// The node incarnation a remote callee belongs to.
    func node(of callee: UInt64) -> RemoteNode? {
        for (name, entry) in self.nodes where entry.registrations.contains(where: { $0.callee == callee }) {
            return RemoteNode(node: name, epoch: entry.epoch)
        }
        return nil
    }

    /// Deterministic order (by registration, then callee), so meta events come in a stable order.
    private static func sorted(_ registrations: Set<RemoteRegistration>) -> [RemoteRegistration] {
        registrations.sorted { ($0.registration, $0.callee, $0.procedure) < ($1.registration, $1.callee, $1.procedure) }
    }
}
