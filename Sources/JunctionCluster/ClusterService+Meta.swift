import JunctionRedis
import JunctionRouter
import NIOCore
import RESPCore

/// The cluster-wide meta API and the testaments of dead nodes.
///
/// Each node keeps its realms' sessions and subscriptions (`NodeDirectory`) under one Redis key
/// with a TTL, rewritten within 50 ms of a change and announced on the directory channel; the
/// others re-read it then, when the node joins and every five heartbeats, and hand each realm its
/// part (`Realm.setRemoteDirectory`), so the meta procedures answer on the realm's loop without a
/// round trip. Its sessions' testaments live in a hash per node incarnation, written as they are
/// added and flushed. When a node is evicted (or leaves), every survivor forgets its sessions and
/// fires `on_leave` for them to its own subscribers, and exactly one survivor (`SET NX` on a
/// claim key per incarnation) publishes its testaments to the whole cluster.
extension ClusterService {
    /// Hands the realms the meta link and starts following reloads; called when the service runs.
    func startMeta(link: ClusterLink, streams: ClusterStreamLink, rpc: ClusterRPCLink) async {
        let metaLink = ClusterMetaLink(service: self)
        let watch = self.state.withLockedValue { state -> Bool in
            state.meta.link = link
            state.meta.metaLink = metaLink
            state.meta.streamLink = streams
            state.meta.rpcLink = rpc
            defer { state.meta.watchingRealms = true }
            return !state.meta.watchingRealms
        }
        if watch { self.router.onRealmAdded { [weak self] realm in self?.realmAdded(realm) } }
        await self.forEachRealm { $0.attachClusterMeta(metaLink) }
    }

    /// Detaches the realms (they forget the other nodes) when the service stops.
    func stopMeta() async {
        self.state.withLockedValue { state in
            state.meta.link = nil
            state.meta.metaLink = nil
            state.meta.streamLink = nil
            state.meta.rpcLink = nil
            state.meta.writtenVersions = [:]
        }
        await self.forEachRealm { $0.attachClusterMeta(nil) }
    }

    /// A realm a reload added joins the cluster like the others: session and subscription ids in
    /// this node's slot, its publications and meta on the cluster's paths.
    private func realmAdded(_ realm: Realm) {
        let (slot, meta) = self.state.withLockedValue { ($0.sessionSlot, $0.meta) }
        if let slot { realm.setClusterSessionSlot(slot) }
        guard let link = meta.link, let metaLink = meta.metaLink, let streams = meta.streamLink,
            let rpc = meta.rpcLink
        else { return }
        realm.eventLoop.execute {
            realm.attachCluster(link)
            realm.attachStreamLink(streams)
            realm.attachClusterRPC(rpc)
            realm.attachClusterMeta(metaLink)
        }
        self.logger.info("cluster: a realm added by a reload joined the cluster", metadata: ["added": "\(realm.name)"])
    }

    // MARK: Directory

    /// One connected period: rewrites the testament hash and reads the other nodes' directories,
    /// then every 50 ms writes this node's directory when a realm changed, and every heartbeat
    /// refreshes the TTLs.
    func metaLoop(_ commands: RedisConnection) async throws {
        try await self.rewriteTestaments(commands)
        self.state.withLockedValue { $0.meta.writtenVersions = [:] }
        try await self.readDirectories(commands)
        let interval = self.configuration.heartbeatIntervalMilliseconds
        var lastRefresh: Int64 = 0
        var lastRead = Self.now()
        while true {
            let now = Self.now()
            let refresh = now - lastRefresh >= interval
            try await self.writeDirectoryIfChanged(commands, refresh: refresh)
            if refresh {
                lastRefresh = now
                _ = try await self.send(
                    commands,
                    RESPCommand(
                        "PEXPIRE", self.keys.testamentsKey(node: self.configuration.node, epoch: self.epoch),
                        "\(self.testamentsTTL)"))
            }
            if now - lastRead >= 5 * interval {
                lastRead = now
                try await self.readDirectories(commands)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Testaments outlive the node's last heartbeat long enough for the others to evict it and
    /// claim them.
    private var testamentsTTL: Int64 { max(3 * self.configuration.evictAfterMilliseconds, 10_000) }

    private func writeDirectoryIfChanged(_ commands: RedisConnection, refresh: Bool) async throws {
        var versions: [String: UInt64] = [:]
        for realm in self.router.realms.values {
            versions[realm.name] = (try? await realm.eventLoop.submit { realm.directoryVersion }.get()) ?? 0
        }
        let changed = self.state.withLockedValue { $0.meta.writtenVersions != versions }
        let key = self.keys.directoryKey(self.configuration.node)
        let ttl = "\(self.configuration.evictAfterMilliseconds)"
        guard changed else {
            if refresh { _ = try await self.send(commands, RESPCommand("PEXPIRE", key, ttl)) }
            return
        }
        var realms: [String: RealmDirectory] = [:]
        for realm in self.router.realms.values {
            guard let (version, directory) = try? await realm.eventLoop.submit({
                (realm.directoryVersion, realm.directorySnapshot())
            }).get() else { continue }
            versions[realm.name] = version
            realms[realm.name] = directory
        }
        let directory = NodeDirectory(node: self.configuration.node, epoch: self.epoch, realms: realms)
        _ = try await self.send(
            commands,
            RESPCommand(arguments: [
                ByteBuffer(string: "SET"), ByteBuffer(string: key), ByteBuffer(bytes: directory.encoded()),
                ByteBuffer(string: "PX"), ByteBuffer(string: ttl),
            ]))
        _ = try await self.send(
            commands, RESPCommand("PUBLISH", self.keys.directoryChangedChannel, self.configuration.node))
        self.state.withLockedValue { $0.meta.writtenVersions = versions }
    }

    /// Re-reads every live member's directory.
    func readDirectories(_ commands: RedisConnection) async throws {
        let members = self.state.withLockedValue { Array($0.membership.members.keys) }
        for node in members.sorted() { try await self.readDirectory(of: node, commands) }
    }

    /// Reads `node`'s directory and gives each realm its part; only while `node` is a member
    /// (an evicted node's key may still be alive for a moment).
    func readDirectory(of node: String, _ commands: RedisConnection) async throws {
        let reply = try await self.send(commands, RESPCommand("GET", self.keys.directoryKey(node)))
        var directory: NodeDirectory?
        if case .bulkString(let bytes?) = reply {
            do {
                directory = try NodeDirectory(bytes: Array(buffer: bytes))
            } catch {
                self.state.withLockedValue { $0.counters.rejectedFrames += 1 }
                self.logger.warning(
                    "cluster: ignored a node directory that does not decode",
                    metadata: ["member": "\(node)", "error": "\(error)"])
                return
            }
        }
        let member = self.state.withLockedValue { $0.membership.members[node] }
        guard let member, directory.map({ $0.node == node && $0.epoch == member.epoch }) ?? true else { return }
        for realm in self.router.realms.values {
            let part = directory?.realms[realm.name]
            realm.eventLoop.execute {
                // Evicted meanwhile: `remoteNodeGone` ran (or runs) on this loop; do not bring it back.
                guard self.state.withLockedValue({ $0.membership.members[node]?.epoch == member.epoch }) else {
                    return
                }
                realm.setRemoteDirectory(node: node, part)
            }
        }
    }

    // MARK: Membership

    /// What membership changes mean for the meta API: a new member's directory is read; a gone
    /// incarnation's sessions leave everywhere and its testaments fire once.
    func metaMembershipChanged(_ action: ClusterMembership.Action) {
        switch action {
        case .none:
            return
        case .joined(let member):
            self.readDirectorySoon(member.node)
        case .evicted(let member):
            self.memberGone(member)
        case .replaced(let old, let new):
            self.memberGone(old)
            self.readDirectorySoon(new.node)
        }
    }

    private func readDirectorySoon(_ node: String) {
        guard let commands = self.state.withLockedValue({ $0.commands }) else { return }
        Task { try? await self.readDirectory(of: node, commands) }
    }

    private func memberGone(_ member: ClusterMembership.Member) {
        for realm in self.router.realms.values {
            realm.eventLoop.execute { realm.remoteNodeGone(member.node) }
        }
        guard let commands = self.state.withLockedValue({ $0.commands }) else {
            self.logger.warning(
                "cluster: a node left while Redis is unreachable; its testaments are left to the other nodes",
                metadata: ["member": "\(member.node)"])
            return
        }
        Task {
            do {
                try await self.claimTestaments(of: member, commands)
            } catch {
                self.logger.warning(
                    "cluster: publishing a gone node's testaments failed",
                    metadata: ["member": "\(member.node)", "error": "\(error)"])
            }
        }
    }

    /// Claims the testaments of a gone incarnation (`SET NX`: one survivor wins, the claim
    /// outlives the testaments' TTL) and publishes them: each session's in its realm, in order.
    private func claimTestaments(of member: ClusterMembership.Member, _ commands: RedisConnection) async throws {
        let claim = self.keys.testamentsClaim(node: member.node, epoch: member.epoch)
        let won = try await self.send(
            commands,
            RESPCommand("SET", claim, "\(self.configuration.node):\(self.epoch)", "NX", "PX", "\(2 * self.testamentsTTL)"))
        guard won.string == "OK" else { return }
        let key = self.keys.testamentsKey(node: member.node, epoch: member.epoch)
        // HVALS: an array in RESP2 and RESP3 alike (HGETALL is a map in RESP3).
        let reply = try await self.send(commands, RESPCommand("HVALS", key))
        var sessions: [StoredTestaments] = []
        var rejected = 0
        for value in reply.elements ?? [] {
            guard case .bulkString(let bytes?) = value,
                let stored = try? StoredTestaments(bytes: Array(buffer: bytes))
            else {
                rejected += 1
                continue
            }
            sessions.append(stored)
        }
        if rejected > 0 {
            self.state.withLockedValue { $0.counters.rejectedFrames += UInt64(rejected) }
            self.logger.warning(
                "cluster: skipped testaments that do not decode", metadata: ["member": "\(member.node)", "count": "\(rejected)"])
        }
        for stored in sessions.sorted(by: { $0.publisher.session < $1.publisher.session }) {
            guard let realm = self.router.realm(named: stored.realm) else { continue }
            realm.eventLoop.execute { realm.publishOrphanedTestaments(stored.testaments, of: stored.publisher) }
        }
        _ = try await self.send(commands, RESPCommand("DEL", key))
        if !sessions.isEmpty {
            self.logger.notice(
                "cluster: published the testaments of a gone node's sessions",
                metadata: ["member": "\(member.node)", "epoch": "\(member.epoch)", "sessions": "\(sessions.count)"])
        }
    }

    /// Rewrites this incarnation's testament hash from the realms (after a reconnect, changes made
    /// meanwhile never reached Redis). Each realm's fields are sent from its own loop, so a change
    /// made there right after is sent after them.
    private func rewriteTestaments(_ commands: RedisConnection) async throws {
        let key = self.keys.testamentsKey(node: self.configuration.node, epoch: self.epoch)
        _ = try await self.send(commands, RESPCommand("DEL", key))
        guard let metaLink = self.state.withLockedValue({ $0.meta.metaLink }) else { return }
        for realm in self.router.realms.values {
            try? await realm.eventLoop.submit {
                for (publisher, testaments) in realm.testamentsSnapshot() {
                    metaLink.realm(realm.name, testamentsOf: publisher, changedTo: testaments)
                }
            }.get()
        }
        _ = try await self.send(commands, RESPCommand("PEXPIRE", key, "\(self.testamentsTTL)"))
    }

    // MARK: Control channels

    /// The directory and kill channels; false for any other channel.
    func receiveMetaControl(channel: String, payload: ByteBuffer) -> Bool {
        if channel == self.keys.directoryChangedChannel {
            let node = String(buffer: payload)
            if node != self.configuration.node { self.readDirectorySoon(node) }
            return true
        }
        guard channel == self.keys.killChannel(self.configuration.node) else { return false }
        let request: ClusterMetaRequest
        do {
            request = try ClusterMetaRequest(bytes: Array(buffer: payload))
        } catch {
            self.state.withLockedValue { $0.counters.rejectedFrames += 1 }
            self.logger.warning(
                "cluster: ignored a meta request that does not decode", metadata: ["error": "\(error)"])
            return true
        }
        switch request {
        case .kill(let kill): self.applyKill(kill)
        case .remove(let removal): self.applyRemoval(removal)
        }
        return true
    }

    private func applyKill(_ request: ClusterKillRequest) {
        guard let realm = self.router.realm(named: request.realm) else { return }
        realm.eventLoop.execute {
            let killed = realm.killSessions(request.sessions, reason: request.reason, message: request.message)
            self.logger.info(
                "cluster: killed sessions at another node's request",
                metadata: ["realm": "\(request.realm)", "killed": "\(killed)", "reason": "\(request.reason)"])
        }
    }

    private func applyRemoval(_ request: ClusterRemovalRequest) {
        guard let realm = self.router.realm(named: request.realm) else {
            self.logger.warning(
                "cluster: ignored a removal request for an unknown realm", metadata: ["realm": "\(request.realm)"])
            return
        }
        realm.eventLoop.execute {
            let removed = realm.applyClusterRemoval(request.removal, reason: request.reason)
            self.logger.info(
                removed
                    ? "cluster: removed a subscriber or callee at another node's request"
                    : "cluster: a subscriber or callee another node asked to remove was already gone",
                metadata: ["realm": "\(request.realm)", "removal": "\(request.removal)"])
        }
    }
}
