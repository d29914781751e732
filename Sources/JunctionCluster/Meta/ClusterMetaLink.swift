import JunctionRouter
import NIOCore
import RESPCore
import WAMPCore

/// What the cluster's meta side keeps in `ClusterState`: the links handed to realms (also to those
/// a reload adds) and this node's directory as last written.
struct ClusterMetaState {
    var link: ClusterLink?
    var metaLink: ClusterMetaLink?
    /// The stream and RPC links, for realms a reload adds.
    var streamLink: ClusterStreamLink?
    var rpcLink: ClusterRPCLink?
    /// Whether `Router.onRealmAdded` already calls back into this service.
    var watchingRealms = false
    /// The realms' directory versions as last written to Redis (by realm name).
    var writtenVersions: [String: UInt64] = [:]
}

/// The realms' way to the cluster's meta side: remote interest in meta events, their sessions'
/// testaments (kept in a Redis hash per node incarnation), kills of other nodes' sessions, and
/// the node list.
final class ClusterMetaLink: RealmClusterMeta {
    private unowned let service: ClusterService

    init(service: ClusterService) {
        self.service = service
    }

    func remoteInterest(realm: String, topic: String) -> Bool {
        self.service.remoteInterest(realm: realm, topic: topic)
    }

    func realm(_ realm: String, testamentsOf publisher: RemotePublisher, changedTo testaments: [ClusterTestament]) {
        let service = self.service
        let key = service.keys.testamentsKey(node: service.configuration.node, epoch: service.epoch)
        let field = StoredTestaments.field(realm: realm, session: publisher.session)
        let command: RESPCommand
        if testaments.isEmpty {
            command = RESPCommand("HDEL", key, field)
        } else {
            let value = StoredTestaments(realm: realm, publisher: publisher, testaments: testaments).encoded()
            command = RESPCommand(arguments: [
                ByteBuffer(string: "HSET"), ByteBuffer(string: key), ByteBuffer(string: field), ByteBuffer(bytes: value),
            ])
        }
        // Under the lock, so the connection carries the changes in the realm's order. Without a
        // connection the next connected period rewrites the whole hash.
        service.state.withLockedValue { state in
            guard let commands = state.commands else { return }
            commands.sendWithoutWaiting(command).whenFailure { error in
                service.logger.warning(
                    "cluster: a testament change did not reach Redis; it is rewritten on reconnect",
                    metadata: ["session": "\(publisher.session)", "error": "\(error)"])
            }
        }
    }

    func realm(_ realm: String, kill sessions: [UInt64], onNode node: String, reason: String, message: String?) {
        let service = self.service
        let request = ClusterKillRequest(realm: realm, sessions: sessions, reason: reason, message: message)
        let command = RESPCommand(arguments: [
            ByteBuffer(string: "PUBLISH"), ByteBuffer(string: service.keys.killChannel(node)),
            ByteBuffer(bytes: request.encoded()),
        ])
        let sent = service.state.withLockedValue { state -> Bool in
            guard let commands = state.commands else { return false }
            commands.sendWithoutWaiting(command).whenFailure { error in
                service.logger.warning(
                    "cluster: a kill request did not reach Redis", metadata: ["node": "\(node)", "error": "\(error)"])
            }
            return true
        }
        if !sent {
            service.logger.warning(
                "cluster: cannot kill sessions on another node while Redis is unreachable",
                metadata: ["node": "\(node)", "sessions": "\(sessions)"])
        }
    }

    func nodes() -> WAMPList {
        let service = self.service
        let ready = service.isReady
        return service.status().enumerated().map { index, node in
            let isSelf = index == 0
            return .dict([
                "node": .string(node.node), "epoch": .uint(node.epoch), "sessions": .uint(UInt64(max(0, node.sessions))),
                "last_heartbeat_ms": .uint(UInt64(max(0, node.lastHeartbeatAgoMilliseconds))),
                "ready": .bool(
                    isSelf
                        ? ready : node.lastHeartbeatAgoMilliseconds <= service.configuration.heartbeatTTLMilliseconds),
                "self": .bool(isSelf),
            ])
        }
    }
}
