import JunctionRedis
import JunctionRouter
import NIOCore
import RESPCore

extension ClusterService {
    /// At every connect: loads the stream scripts and takes over the retained events Redis keeps,
    /// so `get_retained` on this node sees what was retained on any node while it was away.
    func connectStreams(_ commands: RedisConnection) async throws {
        let publish = try await self.send(commands, RESPCommand("SCRIPT", "LOAD", ClusterKeys.streamPublishScript))
        let read = try await self.send(commands, RESPCommand("SCRIPT", "LOAD", ClusterKeys.streamReadScript))
        let patternRead = try await self.send(
            commands, RESPCommand("SCRIPT", "LOAD", ClusterKeys.streamPatternReadScript))
        self.state.withLockedValue {
            $0.streamScripts = StreamScripts(
                publish: publish.string ?? "", read: read.string ?? "", patternRead: patternRead.string ?? "")
        }
        for realm in self.router.realms.values {
            try await self.seedStreamMerge(realm: realm.name, commands)
            let reply = try await self.send(commands, RESPCommand("HGETALL", self.keys.retained(realm: realm.name)))
            let (publications, rejected) = ClusterReplies.retainedPublications(reply)
            for publication in publications {
                realm.eventLoop.execute {
                    realm.installClusterRetained(
                        topic: publication.topic, publication: publication.publication, payload: publication.payload,
                        options: publication.options, details: publication.details,
                        publisher: publication.publisher, position: publication.position)
                }
            }
            if rejected > 0 {
                self.state.withLockedValue { $0.counters.rejectedFrames += UInt64(rejected) }
                self.logger.warning(
                    "cluster: retained events in Redis that do not decode were skipped",
                    metadata: ["realm": "\(realm.name)", "skipped": "\(rejected)"])
            }
        }
    }

    /// The realm's epoch (created now if Redis has none, so every node agrees on it before the
    /// first publication) and offsets as Redis has them, so the merge knows each topic's next
    /// offset (a topic it does not know starts at 1).
    private func seedStreamMerge(realm: String, _ commands: RedisConnection) async throws {
        let key = self.keys.streamEpoch(realm: realm)
        _ = try await self.send(commands, RESPCommand("SET", key, RealmSnapshot.newEpoch(), "NX"))
        guard let epoch = try await self.send(commands, RESPCommand("GET", key)).string else { return }
        let reply = try await self.send(commands, RESPCommand("HGETALL", self.keys.streamOffsets(realm: realm)))
        let offsets = ClusterReplies.streamOffsets(reply)
        self.state.withLockedValue { $0.streamMerge.seed(realm: realm, epoch: epoch, offsets: offsets) }
    }

    /// Feeds frames of `source` (this node's own: its epoch and name) through the merge and runs
    /// what may go. Called under the lock.
    func merge(
        _ items: [StreamMerge<ClusterSource, StreamMergeFrame>.Item], from source: ClusterSource,
        state: inout ClusterState
    ) {
        for frame in state.streamMerge.push(items, from: source, now: Self.now()) { self.run(frame, state: &state) }
    }

    private func run(_ frame: StreamMergeFrame, state: inout ClusterState) {
        switch frame {
        case .remote(let publication): self.deliverNow([publication], state: &state)
        case .own(let complete): complete()
        }
    }

    /// Once per heartbeat: offsets a held source has waited for longer than the command timeout are
    /// given up (lost beyond repair), so the topic goes on.
    func expireStreamMerge() {
        let skipped = self.state.withLockedValue { state in
            let (deliver, skipped) = state.streamMerge.expire(
                now: Self.now(), timeout: Int64(self.configuration.commandTimeoutMilliseconds))
            for frame in deliver { self.run(frame, state: &state) }
            state.counters.lost += skipped.reduce(0) { $0 + UInt64($1.1.count) }
            return skipped
        }
        for (topic, range) in skipped {
            self.logger.error(
                "cluster: stream offsets never arrived and are given up",
                metadata: ["realm": "\(topic.realm)", "topic": "\(topic.topic)", "offsets": "\(range)"])
        }
    }

    /// This node, as a source of the merge (its own stream publications as Redis confirms them).
    var ownSource: ClusterSource { ClusterSource(node: self.configuration.node, epoch: self.epoch) }

    /// Hands a retained or history publication of another node to its realm's loop (called under
    /// the lock, in the source's order, like every delivery).
    func deliverStream(_ publication: ClusterPublication, to realm: Realm) {
        realm.eventLoop.execute {
            realm.deliverRemoteStreamPublication(
                topic: publication.topic, publication: publication.publication, payload: publication.payload,
                options: publication.options, details: publication.details, publisher: publication.publisher,
                position: publication.position)
        }
    }
}

/// What the stream merge orders: another node's publication, or the completion of one of this
/// node's own stream publications (its local delivery).
enum StreamMergeFrame {
    case remote(ClusterPublication)
    case own(@Sendable () -> Void)

    static func item(of publication: ClusterPublication) -> StreamMerge<ClusterSource, StreamMergeFrame>.Item {
        .init(
            frame: .remote(publication),
            stream: publication.position.map { (.init(realm: publication.realm, topic: publication.topic), $0) })
    }
}
