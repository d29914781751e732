import JunctionRedis
import JunctionRouter
import NIOCore
import RESPCore

extension ClusterService {
    /// A frame on some node's event channel: ordered per source, delivered, or held for repair.
    func receiveEvent(_ message: RedisPubSubMessage, commands: RedisConnection) {
        let channel = String(buffer: message.channel)
        guard let source = self.keys.source(ofEventChannel: channel) else { return }
        if source.node == self.configuration.node && source.epoch == self.epoch { return }
        let publication: ClusterPublication
        do {
            publication = try ClusterPublication(bytes: Array(buffer: message.payload))
        } catch {
            self.state.withLockedValue { $0.counters.rejectedFrames += 1 }
            self.logger.warning("cluster: dropped a frame that does not decode", metadata: [
                "channel": "\(channel)", "error": "\(error)",
            ])
            return
        }
        let gap: ClosedRange<UInt64>? = self.state.withLockedValue { state in
            var tracker = state.sources[source] ?? SourceSequence(start: publication.sequence - 1)
            let outcome = tracker.receive(publication, sequence: publication.sequence)
            state.sources[source] = tracker
            switch outcome {
            case .deliver(let publications):
                self.deliver(publications, from: source, state: &state)
                return nil
            case .gap(let range):
                return range
            case .duplicate, .held:
                return nil
            }
        }
        if let gap { self.repair(source, gap, commands: commands) }
    }

    /// Heartbeats, interest changes and the self-probe.
    func receiveControl(_ message: RedisPubSubMessage, commands: RedisConnection) {
        if self.receiveRPCControl(message, commands: commands) { return }
        let channel = String(buffer: message.channel)
        if channel == self.keys.heartbeatChannel {
            guard let heartbeat = NodeHeartbeat(String(buffer: message.payload)) else {
                self.logger.warning("cluster: ignored a malformed heartbeat", metadata: ["channel": "\(channel)"])
                return
            }
            self.receiveHeartbeat(heartbeat, commands: commands)
        } else if channel == self.keys.interestChangedChannel {
            Task { try? await self.readInterest(commands) }
        } else if self.receiveMetaControl(channel: channel, payload: message.payload) {
            return
        } else {
            self.state.withLockedValue { $0.lastProbe = Self.now() }
        }
    }

    private func receiveHeartbeat(_ heartbeat: NodeHeartbeat, commands: RedisConnection) {
        guard heartbeat.node != self.configuration.node else { return }
        let source = ClusterSource(node: heartbeat.node, epoch: heartbeat.epoch)
        let (action, gap) = self.state.withLockedValue { state -> (ClusterMembership.Action, ClosedRange<UInt64>?) in
            if heartbeat.leaving {
                return (state.membership.left(node: heartbeat.node, epoch: heartbeat.epoch), nil)
            }
            let action = state.membership.heartbeat(
                node: heartbeat.node, epoch: heartbeat.epoch, sessions: heartbeat.sessions, now: Self.now())
            var tracker = state.sources[source] ?? SourceSequence(start: heartbeat.sequence)
            let gap = tracker.announced(heartbeat.sequence)
            state.sources[source] = tracker
            return (action, gap)
        }
        self.apply(action)
        if let gap { self.repair(source, gap, commands: commands) }
    }

    /// Membership changes: log them, and forget what an evicted node had.
    func apply(_ action: ClusterMembership.Action) {
        self.metaMembershipChanged(action)
        switch action {
        case .none:
            return
        case .joined(let member):
            self.logger.info("cluster: node joined", metadata: ["member": "\(member.node)", "epoch": "\(member.epoch)"])
            Task {
                try? await self.refreshInterest()
                try? await self.refreshRegistries()
            }
        case .evicted(let member):
            self.forget(member)
            self.removeRemoteNode(member)
        case .replaced(let old, let new):
            self.forget(old)
            self.removeRemoteNode(old)
            Task { try? await self.refreshRegistries() }
            self.logger.info("cluster: node restarted", metadata: ["member": "\(new.node)", "epoch": "\(new.epoch)"])
        }
    }

    private func forget(_ member: ClusterMembership.Member) {
        // The source's sequence tracking stays: a node evicted for being slow that comes back under
        // the same epoch resumes where it was, with its gap repaired instead of silently skipped.
        self.state.withLockedValue { state in
            state.interest.remove(node: member.node)
        }
        self.logger.warning(
            "cluster: node left or evicted; its subscriptions are forgotten",
            metadata: ["member": "\(member.node)", "epoch": "\(member.epoch)"])
    }

    /// Fetches `range` of `source`'s publications from its stream, delivers them in order, and
    /// counts as lost what the stream no longer has.
    func repair(_ source: ClusterSource, _ range: ClosedRange<UInt64>, commands: RedisConnection) {
        Task {
            var fetched = 0
            do {
                let reply = try await self.send(
                    commands,
                    RESPCommand(
                        "XRANGE", self.keys.stream(node: source.node, epoch: source.epoch), "\(range.lowerBound)-0",
                        "\(range.upperBound)-0"))
                let (publications, rejected) = ClusterReplies.streamPublications(reply)
                if rejected > 0 { self.state.withLockedValue { $0.counters.rejectedFrames += UInt64(rejected) } }
                for publication in publications {
                    fetched += 1
                    self.state.withLockedValue { state in
                        guard var tracker = state.sources[source] else { return }
                        let outcome = tracker.receive(publication, sequence: publication.sequence)
                        state.sources[source] = tracker
                        if case .deliver(let publications) = outcome {
                            state.counters.repaired += 1
                            self.deliver(publications, from: source, state: &state)
                        }
                    }
                }
            } catch {
                self.logger.warning(
                    "cluster: gap repair failed", metadata: ["source": "\(source)", "error": "\(error)"])
            }
            let (lost, next) = self.state.withLockedValue { state -> (UInt64, ClosedRange<UInt64>?) in
                guard var tracker = state.sources[source] else { return (0, nil) }
                let ended = tracker.repairEnded()
                state.sources[source] = tracker
                state.counters.lost += ended.lost
                self.deliver(ended.deliver, from: source, state: &state)
                return (ended.lost, ended.next)
            }
            if lost > 0 {
                self.logger.error(
                    "cluster: publications lost: missing on the live path and no longer in the source's stream",
                    metadata: ["source": "\(source)", "lost": "\(lost)", "range": "\(range)", "fetched": "\(fetched)"])
            } else {
                self.logger.info(
                    "cluster: gap repaired from the source's stream",
                    metadata: ["source": "\(source)", "range": "\(range)"])
            }
            if let next { self.repair(source, next, commands: commands) }
        }
    }

    /// Hands publications to their realms' loops, through the stream merge (each stream topic in
    /// offset order across sources). Called under the lock, so the order of `execute` calls, and
    /// thus of delivery on each loop, is the source's order.
    func deliver(_ publications: [ClusterPublication], from source: ClusterSource, state: inout ClusterState) {
        guard !publications.isEmpty else { return }
        self.merge(publications.map(StreamMergeFrame.item(of:)), from: source, state: &state)
    }

    /// Hands publications to their realms' loops, in this order.
    func deliverNow(_ publications: [ClusterPublication], state: inout ClusterState) {
        for publication in publications {
            state.counters.received += 1
            guard let realm = self.router.realm(named: publication.realm) else { continue }
            if publication.position != nil || publication.options["retain"]?.boolValue == true {
                self.deliverStream(publication, to: realm)
                continue
            }
            realm.eventLoop.execute {
                realm.deliverRemotePublication(
                    topic: publication.topic, publication: publication.publication, payload: publication.payload,
                    options: publication.options,
                    details: publication.details, publisher: publication.publisher)
            }
        }
    }
}
