import Logging
import NIOCore
import Synchronization
import WAMPCore

/// The set of realms a router serves. A configuration reload adds and removes realms
/// (`apply(_:)`); looking one up takes a lock, which only session establishment does.
public final class Router: Sendable {
    private let table: Mutex<[String: Realm]>
    private let group: any EventLoopGroup
    private let logger: Logger
    /// What each loop's realms and connections count.
    public let counters: LoopCounters
    /// Told of every realm a reload adds (the cluster attaches it).
    private let realmAddedHandlers = Mutex<[@Sendable (Realm) -> Void]>([])

    /// Creates the realms, spreading them over the event loops of `group`; a realm named in
    /// `stores` keeps its history and retained events there.
    public init(
        realms configurations: [RealmConfiguration], group: any EventLoopGroup, logger: Logger,
        stores: [String: any RealmStore] = [:]
    ) {
        let counters = LoopCounters(group: group)
        var realms: [String: Realm] = [:]
        for configuration in configurations {
            realms[configuration.name] = Self.makeRealm(
                configuration, group: group, counters: counters, logger: logger, store: stores[configuration.name])
        }
        self.table = Mutex(realms)
        self.group = group
        self.logger = logger
        self.counters = counters
    }

    private static func makeRealm(
        _ configuration: RealmConfiguration, group: any EventLoopGroup, counters: LoopCounters, logger: Logger,
        store: (any RealmStore)? = nil
    ) -> Realm {
        let loop = group.next()
        return Realm(
            configuration: configuration, eventLoop: loop, logger: logger,
            counters: counters.counters(for: loop) ?? RouterCounters(), store: store)
    }

    /// The realms served now, by name.
    public var realms: [String: Realm] { self.table.withLock { $0 } }

    public func realm(named name: String) -> Realm? {
        self.table.withLock { $0[name] }
    }

    /// Calls `handler` with every realm `apply` adds from now on, right after it is created and
    /// before it is served (so before any session joins it; the handler may post to its loop).
    /// Not under the router's lock: the handler may take its own.
    public func onRealmAdded(_ handler: @escaping @Sendable (Realm) -> Void) {
        self.realmAddedHandlers.withLock { $0.append(handler) }
    }

    /// What a reload did to the realms.
    public struct RealmChanges: Sendable, Equatable {
        public var added: [String] = []
        public var removed: [String] = []
        public var reconfigured: [String] = []
        /// Sessions ended because their role (or realm) was removed.
        public var sessionsEnded = 0

        public init() {}
    }

    /// Makes the realms match `configurations`: new realms are created, removed realms stop
    /// admitting sessions at once and say GOODBYE `wamp.close.realm_removed` to theirs, changed
    /// realms are reconfigured on their own loops (`Realm.reconfigure`). Realms whose
    /// configuration did not change are not touched.
    public func apply(_ configurations: [RealmConfiguration]) async -> RealmChanges {
        let wanted = Dictionary(configurations.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        // New realms are made and announced before they are in the table (so before any session
        // can find them), and outside its lock: a handler may take locks that are held while the
        // table is read (the cluster's).
        let existing = self.table.withLock { Set($0.keys) }
        let handlers = self.realmAddedHandlers.withLock { $0 }
        var made: [String: Realm] = [:]
        for (name, configuration) in wanted where !existing.contains(name) {
            let realm = Self.makeRealm(configuration, group: self.group, counters: self.counters, logger: self.logger)
            for handler in handlers { handler(realm) }
            made[name] = realm
        }
        let (removed, changed, added) = self.table.withLock { table in
            var removed: [Realm] = []
            var changed: [(Realm, RealmConfiguration)] = []
            for (name, realm) in table {
                guard let configuration = wanted[name] else {
                    removed.append(realm)
                    continue
                }
                changed.append((realm, configuration))
            }
            for realm in removed { table[realm.name] = nil }
            var added: [Realm] = []
            for (name, realm) in made where table[name] == nil {
                table[name] = realm
                added.append(realm)
            }
            return (removed, changed, added)
        }
        var changes = RealmChanges()
        changes.added = added.map(\.name).sorted()
        for realm in removed {
            changes.removed.append(realm.name)
            let sessions = try? await realm.eventLoop.submit {
                let count = realm.sessionCountsByTransport().values.reduce(0, +)
                realm.close(message: "the realm '\(realm.name)' was removed from the router's configuration")
                return count
            }.get()
            changes.sessionsEnded += sessions ?? 0
        }
        for (realm, configuration) in changed {
            let ended = try? await realm.eventLoop.submit { () -> Int? in
                guard realm.configuration != configuration else { return nil }
                return realm.reconfigure(configuration)
            }.get()
            guard let ended else { continue }
            changes.reconfigured.append(realm.name)
            changes.sessionsEnded += ended
        }
        changes.removed.sort()
        changes.reconfigured.sort()
        return changes
    }

    /// Says GOODBYE `wamp.close.system_shutdown` to every session of every realm.
    public func shutdown() -> EventLoopFuture<Void> {
        let futures = self.realms.values.map { realm in
            realm.eventLoop.submit { realm.shutdown() }
        }
        guard let first = futures.first else {
            return self.group.next().makeSucceededVoidFuture()
        }
        return EventLoopFuture.andAllSucceed(futures, on: first.eventLoop)
    }
}
