import Logging
import NIOCore
import WAMPCore

/// The set of realms a router serves. Immutable after start: looking a realm up needs no lock.
public final class Router: Sendable {
    public let realms: [String: Realm]

    /// Creates the realms, spreading them over the event loops of `group`; a realm named in
    /// `stores` keeps its history and retained events there.
    public init(
        realms configurations: [RealmConfiguration], group: any EventLoopGroup, logger: Logger,
        stores: [String: any RealmStore] = [:]
    ) {
        var realms: [String: Realm] = [:]
        for configuration in configurations {
            realms[configuration.name] = Realm(
                configuration: configuration, eventLoop: group.next(), logger: logger,
                store: stores[configuration.name])
        }
        self.realms = realms
    }

    public func realm(named name: String) -> Realm? {
        self.realms[name]
    }

    /// Says GOODBYE `wamp.close.system_shutdown` to every session of every realm.
    public func shutdown() -> EventLoopFuture<Void> {
        let futures = self.realms.values.map { realm in
            realm.eventLoop.submit { realm.shutdown() }
        }
        guard let first = futures.first else {
            preconditionFailure("shutdown needs at least one realm")
        }
        return EventLoopFuture.andAllSucceed(futures, on: first.eventLoop)
    }
}
