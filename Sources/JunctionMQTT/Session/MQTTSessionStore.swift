/// Which connection owns each client id's session, and who is in each shared-subscription group:
/// the state MQTT sessions of one listener share across connections and event loops. Pure;
/// `MQTTBroker` holds it behind a lock.
///
/// A client id has at most one owner: the connection using it, or a detached persistent session
/// waiting for its client. A new connection `claim`s the id and takes the session over from the
/// previous owner. A shared subscription group delivers each publication to one online member:
/// every member receives the realm's event with the same publication id, and exactly one of them
/// (`publication % members`) is chosen.
public struct MQTTSessionStore<Owner: AnyObject> {
    private var owners: [String: Owner] = [:]
    /// Group key (realm, share name, filter) → member tokens in joining order.
    private var groups: [String: [UInt64]] = [:]

    public init() {}

    public var sessionCount: Int { self.owners.count }

    /// `owner` now owns `clientID`; returns the previous owner, whose session it takes over.
    public mutating func claim(_ clientID: String, by owner: Owner) -> Owner? {
        let previous = self.owners.updateValue(owner, forKey: clientID)
        return previous === owner ? nil : previous
    }

    /// Forgets `clientID` if `owner` still owns it (a later connection may have claimed it).
    public mutating func release(_ clientID: String, by owner: Owner) {
        if self.owners[clientID] === owner { self.owners[clientID] = nil }
    }

    public func owner(of clientID: String) -> Owner? {
        self.owners[clientID]
    }

    public mutating func join(group: String, member: UInt64) {
        if !(self.groups[group]?.contains(member) ?? false) { self.groups[group, default: []].append(member) }
    }

    public mutating func leave(group: String, member: UInt64) {
        self.groups[group]?.removeAll { $0 == member }
        if self.groups[group]?.isEmpty == true { self.groups[group] = nil }
    }

    /// Whether `member` is the one of `group` that gets `publication`.
    public func isChosen(group: String, member: UInt64, publication: UInt64) -> Bool {
        guard let members = self.groups[group], !members.isEmpty else { return true }
        return members[Int(publication % UInt64(members.count))] == member
    }

    public func members(of group: String) -> [UInt64] {
        self.groups[group] ?? []
    }

    /// Whether `member` is in any group.
    public func isMember(_ member: UInt64) -> Bool {
        self.groups.values.contains { $0.contains(member) }
    }

    /// The member of `group` that takes over a leaving member's messages: the oldest.
    public func heir(of group: String) -> UInt64? {
        self.groups[group]?.first
    }
}
