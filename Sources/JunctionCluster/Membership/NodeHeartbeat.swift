/// What a node announces every heartbeat on the cluster's heartbeat channel (and keeps, with a
/// TTL, under its node key for `junction cluster status`): `node epoch sessions sequence`.
///
/// `sequence` is the last number on the node's publication path, so a receiver notices lost
/// publications at the end of a burst, which no later frame would reveal.
public struct NodeHeartbeat: Sendable, Hashable {
    public var node: String
    public var epoch: UInt64
    public var sessions: Int
    public var sequence: UInt64
    /// `true`: the node is shutting down cleanly and leaves now.
    public var leaving: Bool

    public init(node: String, epoch: UInt64, sessions: Int, sequence: UInt64, leaving: Bool = false) {
        self.node = node
        self.epoch = epoch
        self.sessions = sessions
        self.sequence = sequence
        self.leaving = leaving
    }

    public var encoded: String {
        "\(self.node) \(self.epoch) \(self.sessions) \(self.sequence)\(self.leaving ? " leaving" : "")"
    }

    /// `nil` for anything that is not a heartbeat (logged by the caller, never trusted).
    public init?(_ text: String) {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 4 || (parts.count == 5 && parts[4] == "leaving"),
            ClusterNodeName.isValid(parts[0]), let epoch = UInt64(parts[1]), let sessions = Int(parts[2]),
            sessions >= 0, let sequence = UInt64(parts[3])
        else { return nil }
        self.init(node: String(parts[0]), epoch: epoch, sessions: sessions, sequence: sequence, leaving: parts.count == 5)
    }
}

/// Node names: 1-64 characters of `A-Z a-z 0-9 . _ -`, so they can be parts of Redis keys and of
/// the heartbeat text without escaping.
public enum ClusterNodeName {
    public static func isValid(_ name: some StringProtocol) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2E || byte == 0x5F || byte == 0x2D
            }
    }
}
