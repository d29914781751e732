import Synchronization

/// The MQTT state one router shares between connections on every event loop: session owners by
/// (realm, client id) and shared-subscription groups. "Compute under the lock, act after it":
/// each call only reads or changes `MQTTSessionStore` and returns.
public final class MQTTBroker: Sendable {
    private let store = Mutex(MQTTSessionStore<MQTTConnectionHandler.Owner>())
    private let nextMember = Atomic<UInt64>(1)

    public init() {}

    static func key(realm: String, clientID: String) -> String {
        realm + "\u{0}" + clientID
    }

    static func groupKey(realm: String, shareName: String, filter: String) -> String {
        realm + "\u{0}" + shareName + "\u{0}" + filter
    }

    func claim(realm: String, clientID: String, by owner: MQTTConnectionHandler.Owner) -> MQTTConnectionHandler.Owner? {
        self.store.withLock { $0.claim(Self.key(realm: realm, clientID: clientID), by: owner) }
    }

    func release(realm: String, clientID: String, by owner: MQTTConnectionHandler.Owner) {
        self.store.withLock { $0.release(Self.key(realm: realm, clientID: clientID), by: owner) }
    }

    /// Sessions with an owner (online or detached).
    public var sessionCount: Int { self.store.withLock { $0.sessionCount } }

    func newMemberToken() -> UInt64 {
        self.nextMember.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    func join(group: String, member: UInt64) {
        self.store.withLock { $0.join(group: group, member: member) }
    }

    func leave(group: String, member: UInt64) {
        self.store.withLock { $0.leave(group: group, member: member) }
    }

    func isChosen(group: String, member: UInt64, publication: UInt64) -> Bool {
        self.store.withLock { $0.isChosen(group: group, member: member, publication: publication) }
    }
}
