import Synchronization

/// The MQTT state one router shares between connections on every event loop: session owners by
/// (realm, client id) and shared-subscription groups. "Compute under the lock, act after it":
/// each call only reads or changes `MQTTSessionStore` and returns.
public final class MQTTBroker: Sendable {
    private struct State {
        var store = MQTTSessionStore<MQTTConnectionHandler.Owner>()
        /// The sessions of group members, by member token.
        var members: [UInt64: MQTTConnectionHandler.Owner] = [:]
    }

    private let state = Mutex(State())
    private let nextMember = Atomic<UInt64>(1)
    /// Where persistent sessions are kept across a restart; nil: in memory only.
    public let persistence: MQTTSessionPersistence?

    public init(persistence: MQTTSessionPersistence? = nil) {
        self.persistence = persistence
    }

    static func key(realm: String, clientID: String) -> String {
        realm + "\u{0}" + clientID
    }

    static func groupKey(realm: String, shareName: String, filter: String) -> String {
        realm + "\u{0}" + shareName + "\u{0}" + filter
    }

    func claim(realm: String, clientID: String, by owner: MQTTConnectionHandler.Owner) -> MQTTConnectionHandler.Owner? {
        self.state.withLock { $0.store.claim(Self.key(realm: realm, clientID: clientID), by: owner) }
    }

    func release(realm: String, clientID: String, by owner: MQTTConnectionHandler.Owner) {
        self.state.withLock { $0.store.release(Self.key(realm: realm, clientID: clientID), by: owner) }
    }

    /// Sessions with an owner (online or detached).
    public var sessionCount: Int { self.state.withLock { $0.store.sessionCount } }

    func newMemberToken() -> UInt64 {
        self.nextMember.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    func join(group: String, member: UInt64, owner: MQTTConnectionHandler.Owner) {
        self.state.withLock { state in
            state.store.join(group: group, member: member)
            state.members[member] = owner
        }
    }

    /// Takes `member` out of `group`; returns the session of the member that inherits its
    /// undelivered messages, if any is left.
    @discardableResult
    func leave(group: String, member: UInt64) -> MQTTConnectionHandler.Owner? {
        self.state.withLock { state in
            state.store.leave(group: group, member: member)
            if !state.store.isMember(member) { state.members[member] = nil }
            return state.store.heir(of: group).flatMap { state.members[$0] }
        }
    }

    func isChosen(group: String, member: UInt64, publication: UInt64) -> Bool {
        self.state.withLock { $0.store.isChosen(group: group, member: member, publication: publication) }
    }
}
