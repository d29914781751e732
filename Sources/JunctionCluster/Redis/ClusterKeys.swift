/// The Redis keys and channels of one cluster (all under `prefix`), in one place.
struct ClusterKeys: Sendable {
    let prefix: String

    /// Pub/sub channel every node announces its heartbeat on.
    var heartbeatChannel: String { "\(self.prefix):heartbeat" }
    /// Who holds session-id slot `slot` (`node:epoch`), with a TTL.
    func sessionSlot(_ slot: UInt64) -> String { "\(self.prefix):slot:\(slot)" }
    /// Pub/sub channel nodes announce a changed interest list on, so publishers re-read it at once.
    var interestChangedChannel: String { "\(self.prefix):interest-changed" }
    /// The heartbeat text of a node, with a TTL.
    func nodeKey(_ node: String) -> String { "\(self.prefix):node:\(node)" }
    var nodeKeyPattern: String { "\(self.prefix):node:*" }
    /// A node's interest list, with a TTL.
    func interestKey(_ node: String) -> String { "\(self.prefix):interest:\(node)" }
    /// The live path of one node incarnation's publications.
    func eventChannel(node: String, epoch: UInt64) -> String { "\(self.prefix):ev:\(node):\(epoch)" }
    var eventChannelPattern: String { "\(self.prefix):ev:*" }
    /// The bounded stream the same publications are kept in for gap repair (entry id `<seq>-1`).
    func stream(node: String, epoch: UInt64) -> String { "\(self.prefix):stream:\(node):\(epoch)" }
    /// The channel this node's pub/sub self-probe goes round.
    func probeChannel(node: String, epoch: UInt64) -> String { "\(self.prefix):probe:\(node):\(epoch)" }

    /// Parses an event channel name back into its source.
    func source(ofEventChannel channel: String) -> ClusterSource? {
        let head = "\(self.prefix):ev:"
        guard channel.hasPrefix(head) else { return nil }
        let rest = channel.dropFirst(head.count)
        guard let colon = rest.lastIndex(of: ":"), let epoch = UInt64(rest[rest.index(after: colon)...]) else {
            return nil
        }
        let node = rest[..<colon]
        guard ClusterNodeName.isValid(node) else { return nil }
        return ClusterSource(node: String(node), epoch: epoch)
    }

    /// XADD to the source's stream and PUBLISH on its channel in one step, so whatever a receiver
    /// can miss on the live path is in the stream (KEYS: stream, channel; ARGV: id, frame, maxlen,
    /// stream TTL in ms).
    static let publishScript = """
        if #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1]) > 0 then return 0 end
        redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], ARGV[1], 'f', ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        return redis.call('PUBLISH', KEYS[2], ARGV[2])
        """
}

/// One incarnation of a node: its name and the random epoch it started with.
public struct ClusterSource: Sendable, Hashable, CustomStringConvertible {
    public var node: String
    public var epoch: UInt64
    public var description: String { "\(self.node):\(self.epoch)" }
}
