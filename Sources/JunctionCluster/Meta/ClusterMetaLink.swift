import JunctionRouter
import Logging
import NIOConcurrencyHelpers
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
        let request = ClusterKillRequest(realm: realm, sessions: sessions, reason: reason, message: message)
        guard let reply = self.send(.kill(request), to: node) else {
            self.service.logger.warning(
                "cluster: cannot kill sessions on another node while Redis is unreachable",
                metadata: ["node": "\(node)", "sessions": "\(sessions)"])
            return
        }
        let logger = self.service.logger
        reply.whenFailure { error in
            logger.warning(
                "cluster: a kill request did not reach Redis", metadata: ["node": "\(node)", "error": "\(error)"])
        }
    }

    func realm(
        _ realm: String, remove removal: ClusterRemoval, onNode node: String, reason: String,
        delivered: @escaping @Sendable (Bool) -> Void
    ) {
        let logger = self.service.logger
        let metadata: Logger.Metadata = ["node": "\(node)", "removal": "\(removal)"]
        guard let reply = self.send(.remove(.init(realm: realm, removal: removal, reason: reason)), to: node) else {
            logger.warning(
                "cluster: cannot remove a subscriber or callee on another node while Redis is unreachable",
                metadata: metadata)
            delivered(false)
            return
        }
        let answered = NIOLockedValueBox(false)
        let answer: @Sendable (Bool) -> Void = { value in
            guard answered.withLockedValue({ done in defer { done = true }; return !done }) else { return }
            delivered(value)
        }
        // Redis says within a command timeout whether the other node got it, or the connection
        // is declared wedged.
        let limit = TimeAmount.milliseconds(self.service.configuration.commandTimeoutMilliseconds)
        let timeout = reply.eventLoop.scheduleTask(in: limit) {
            logger.warning("cluster: Redis did not answer a removal request in time", metadata: metadata)
            answer(false)
        }
        reply.whenComplete { result in
            timeout.cancel()
            switch result {
            case .success(let value) where (value.integer ?? 0) > 0:
                answer(true)
            case .success:
                // PUBLISH counts the receivers: none means the node is not listening (gone, reconnecting).
                logger.warning(
                    "cluster: the node of a subscriber or callee to remove is not listening", metadata: metadata)
                answer(false)
            case .failure(let error):
                var metadata = metadata
                metadata["error"] = "\(error)"
                logger.warning("cluster: a removal request did not reach Redis", metadata: metadata)
                answer(false)
            }
        }
    }

    /// Publishes `request` on `node`'s request channel, queued under the lock so requests leave
    /// in the order the realms made them; nil without a Redis connection.
    private func send(_ request: ClusterMetaRequest, to node: String) -> EventLoopFuture<RESPValue>? {
        let service = self.service
        let command = RESPCommand(arguments: [
            ByteBuffer(string: "PUBLISH"), ByteBuffer(string: service.keys.killChannel(node)),
            ByteBuffer(bytes: request.encoded()),
        ])
        return service.state.withLockedValue { state in state.commands?.sendWithoutWaiting(command) }
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
