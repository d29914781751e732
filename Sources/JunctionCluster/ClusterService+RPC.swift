import JunctionRedis
import JunctionRouter
import NIOCore
import RESPCore
import WAMPCore

/// RPC across nodes, on the cluster's side: each node announces its registrations under its
/// registry key (rewritten on change, refreshed every heartbeat, TTL = eviction window) and
/// mirrors the other members' lists into its realms; RPC messages travel on each node
/// incarnation's own pub/sub channel, queued on the command connection in call order.
///
/// Loss handling: a node whose pub/sub connection was reset (or that lost Redis) fails its own
/// cross-node calls at once and, once subscribed again, announces it on the reset channel, so
/// the others fail theirs with it; an evicted node's calls end when it is evicted. No call waits
/// for a message that can no longer come.
extension ClusterService {
    /// Keeps this node's registration list in Redis current and its single-registration claims
    /// alive, and re-reads the other nodes' lists (on change, and every heartbeat).
    func registryLoop(_ commands: RedisConnection) async throws {
        let key = self.keys.registryKey(self.configuration.node)
        var written: String?
        var lastRefresh: Int64 = 0
        while true {
            let list = ClusterRegistrationList(epoch: self.epoch, entries: await self.localRegistrations())
            let encoded = list.encoded
            let now = Self.now()
            if encoded != written || now - lastRefresh >= self.configuration.heartbeatIntervalMilliseconds {
                _ = try await self.send(
                    commands, RESPCommand("SET", key, encoded, "PX", "\(self.configuration.evictAfterMilliseconds)"))
                if encoded != written {
                    _ = try await self.send(
                        commands, RESPCommand("PUBLISH", self.keys.registryChangedChannel, self.configuration.node))
                }
                if now - lastRefresh >= self.configuration.heartbeatIntervalMilliseconds {
                    try await self.refreshClaims(list, commands: commands)
                }
                written = encoded
                lastRefresh = now
                try await self.readRegistries(commands)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Keeps the claims of this node's single registrations alive (and takes them again after a
    /// Redis restart); a claim another node took meanwhile is logged: both nodes then route to
    /// their own callee until one unregisters.
    private func refreshClaims(_ list: ClusterRegistrationList, commands: RedisConnection) async throws {
        for entry in list.entries where entry.registration.invoke == .single {
            let key = self.keys.claimKey(
                realm: entry.realm, match: entry.registration.match, procedure: entry.registration.procedure)
            let granted = try await self.send(
                commands,
                RESPCommand(
                    "EVAL", ClusterKeys.claimScript, "1", key, self.claimOwner,
                    "\(self.configuration.evictAfterMilliseconds)"))
            if granted.integer != 1 {
                self.logger.warning(
                    "cluster: another node holds the claim of a single registration of this node",
                    metadata: ["realm": "\(entry.realm)", "procedure": "\(entry.registration.procedure)"])
            }
        }
    }

    var claimOwner: String { "\(self.configuration.node) \(self.epoch)" }

    /// Re-reads every other node's registration list and mirrors those of current members into
    /// the realms. A list of a node that is not a member (yet, or any more) is ignored: eviction
    /// removes a node's registrations, and its key may outlive it by the TTL.
    func readRegistries(_ commands: RedisConnection) async throws {
        let generation = self.state.withLockedValue { state in
            state.rpc.registryReads += 1
            return state.rpc.registryReads
        }
        let prefix = self.keys.registryKey("")
        var cursor = "0"
        var keys: [String] = []
        repeat {
            let reply = try await self.send(commands, RESPCommand("SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"))
            guard let parts = reply.elements, parts.count == 2, let next = parts[0].string else { return }
            cursor = next
            keys += (parts[1].elements ?? []).compactMap(\.string)
        } while cursor != "0"
        keys.removeAll { $0 == self.keys.registryKey(self.configuration.node) }
        var lists: [RemoteNode: ClusterRegistrationList] = [:]
        if !keys.isEmpty {
            let values = try await self.send(commands, RESPCommand("MGET", arguments: keys)).elements ?? []
            for (key, value) in zip(keys, values) {
                guard let text = value.string else { continue }
                let node = String(key.dropFirst(prefix.count))
                let (list, rejected) = ClusterRegistrationList.decode(text)
                if rejected > 0 {
                    self.logger.warning(
                        "cluster: ignored malformed registration lines", metadata: ["key": "\(key)", "lines": "\(rejected)"])
                }
                guard ClusterNodeName.isValid(node), let list else { continue }
                lists[RemoteNode(node: node, epoch: list.epoch)] = list
            }
        }
        // Only the newest read is applied: two reads can overlap (a change notice during the loop's).
        let members = self.state.withLockedValue { state -> Set<RemoteNode>? in
            guard state.rpc.registryApplied < generation else { return nil }
            state.rpc.registryApplied = generation
            return Set(state.membership.members.values.map { RemoteNode(node: $0.node, epoch: $0.epoch) })
        }
        guard let members else { return }
        for realm in self.router.realms.values {
            var perNode: [RemoteNode: Set<RemoteRegistration>] = [:]
            for (node, list) in lists where members.contains(node) {
                perNode[node] = Set(list.entries.filter { $0.realm == realm.name }.map(\.registration))
            }
            realm.eventLoop.execute {
                for (node, registrations) in perNode { realm.updateRemoteRegistrations(registrations, of: node) }
            }
        }
    }

    func refreshRegistries() async throws {
        guard let commands = self.state.withLockedValue({ $0.commands }) else { return }
        try await self.readRegistries(commands)
    }

    private func localRegistrations() async -> [ClusterRegistrationList.Entry] {
        var entries: [ClusterRegistrationList.Entry] = []
        for realm in self.router.realms.values {
            let registrations = (try? await realm.eventLoop.submit { realm.clusterRegistrations() }.get()) ?? []
            entries += registrations.map { ClusterRegistrationList.Entry(realm: realm.name, registration: $0) }
        }
        return entries
    }

    // MARK: Receiving

    /// The RPC channel, registry changes and reset notices; `false` for other channels.
    func receiveRPCControl(_ message: RedisPubSubMessage, commands: RedisConnection) -> Bool {
        let channel = String(buffer: message.channel)
        if channel == self.rpcChannel {
            self.receiveRPCFrame(Array(buffer: message.payload), channel: channel)
        } else if channel == self.keys.registryChangedChannel {
            if String(buffer: message.payload) != self.configuration.node {
                Task { try? await self.readRegistries(commands) }
            }
        } else if channel == self.keys.rpcResetChannel {
            let parts = String(buffer: message.payload).split(separator: " ")
            guard parts.count == 2, ClusterNodeName.isValid(parts[0]), let epoch = UInt64(parts[1]) else {
                self.logger.warning("cluster: ignored a malformed RPC reset notice")
                return true
            }
            let node = RemoteNode(node: String(parts[0]), epoch: epoch)
            guard node != RemoteNode(node: self.configuration.node, epoch: self.epoch) else { return true }
            self.resetRemoteCalls(with: node, reason: "the callee's node may have missed messages (Redis connection reset)")
        } else {
            return false
        }
        return true
    }

    var rpcChannel: String { self.keys.rpcChannel(node: self.configuration.node, epoch: self.epoch) }

    private func receiveRPCFrame(_ bytes: [UInt8], channel: String) {
        let frame: ClusterRPCFrame
        do {
            frame = try ClusterRPCFrame(bytes: bytes)
        } catch {
            self.state.withLockedValue { $0.counters.rejectedFrames += 1 }
            self.logger.warning(
                "cluster: dropped an RPC frame that does not decode", metadata: ["channel": "\(channel)", "error": "\(error)"])
            return
        }
        guard let realm = self.router.realm(named: frame.realm) else {
            self.state.withLockedValue { $0.counters.rejectedFrames += 1 }
            self.logger.warning("cluster: dropped an RPC frame for an unknown realm", metadata: ["realm": "\(frame.realm)"])
            return
        }
        self.state.withLockedValue { $0.counters.rpcReceived += 1 }
        realm.eventLoop.execute {
            realm.receiveRemoteRPC(frame.message, callee: frame.callee, continuation: frame.continuation, from: frame.source)
        }
    }

    // MARK: Failures

    /// This node's pub/sub connection is subscribed again: calls that crossed while it was not
    /// end here, and the other nodes are told to end theirs with this node.
    func announceRPCReset(_ commands: RedisConnection) async throws {
        self.resetRemoteCalls(with: nil, reason: "this node's Redis connection was reset; the answer may be lost")
        _ = try await self.send(commands, RESPCommand("PUBLISH", self.keys.rpcResetChannel, self.claimOwner))
    }

    func resetRemoteCalls(with node: RemoteNode?, reason: String) {
        for realm in self.router.realms.values {
            realm.eventLoop.execute { realm.resetRemoteCalls(with: node, reason: reason) }
        }
    }

    /// A member left or was evicted: its registrations vanish, calls to it end with
    /// `wamp.error.canceled` (as when a local callee leaves), calls from it are interrupted.
    func removeRemoteNode(_ member: ClusterMembership.Member) {
        let node = RemoteNode(node: member.node, epoch: member.epoch)
        for realm in self.router.realms.values {
            realm.eventLoop.execute {
                realm.removeRemoteNode(node, error: WAMPErrorURI.canceled, reason: "the callee's node left the cluster")
            }
        }
    }
}

/// What RPC across nodes keeps in the cluster state.
struct ClusterRPCState {
    /// Registry reads started and the newest one applied, so an older read never overwrites a newer.
    var registryReads: UInt64 = 0
    var registryApplied: UInt64 = 0
}

/// The realms' way to other nodes for RPC: PUBLISH on the destination's RPC channel, queued on
/// the command connection under the cluster lock (so messages to one node keep their order),
/// and single-registration claims.
final class ClusterRPCLink: RealmClusterRPCLink {
    private unowned let service: ClusterService

    init(service: ClusterService) {
        self.service = service
    }

    func send(_ message: WAMPMessage, realm: String, callee: UInt64, to node: RemoteNode, continuation: Bool) -> Bool {
        let service = self.service
        let frame = ClusterRPCFrame(
            realm: realm, source: RemoteNode(node: service.configuration.node, epoch: service.epoch), callee: callee,
            continuation: continuation, message: message
        ).encoded()
        let channel = service.keys.rpcChannel(node: node.node, epoch: node.epoch)
        return service.state.withLockedValue { state in
            guard let commands = state.commands else { return false }
            state.counters.rpcSent += 1
            commands.sendWithoutWaiting(
                RESPCommand(arguments: [ByteBuffer(string: "PUBLISH"), ByteBuffer(string: channel), ByteBuffer(bytes: frame)])
            ).whenComplete { result in
                switch result {
                case .success:
                    service.madeProgress()
                case .failure(let error):
                    service.logger.warning(
                        "cluster: an RPC message did not reach Redis", metadata: ["to": "\(node)", "error": "\(error)"])
                }
            }
            return true
        }
    }

    func claim(realm: String, procedure: String, match: MatchPolicy, answer: @escaping @Sendable (Bool) -> Void) {
        let service = self.service
        guard let commands = service.state.withLockedValue({ $0.commands }) else {
            service.logger.warning(
                "cluster: no Redis connection; a single registration is granted locally and claimed on reconnect",
                metadata: ["realm": "\(realm)", "procedure": "\(procedure)"])
            answer(true)
            return
        }
        let key = service.keys.claimKey(realm: realm, match: match, procedure: procedure)
        Task {
            do {
                let reply = try await service.send(
                    commands,
                    RESPCommand(
                        "EVAL", ClusterKeys.claimScript, "1", key, service.claimOwner,
                        "\(service.configuration.evictAfterMilliseconds)"))
                answer(reply.integer == 1)
            } catch {
                service.logger.warning(
                    "cluster: a single registration could not be claimed in Redis; granted locally",
                    metadata: ["procedure": "\(procedure)", "error": "\(error)"])
                answer(true)
            }
        }
    }

    func release(realm: String, procedure: String, match: MatchPolicy) {
        let service = self.service
        guard let commands = service.state.withLockedValue({ $0.commands }) else { return }
        let key = service.keys.claimKey(realm: realm, match: match, procedure: procedure)
        _ = commands.sendWithoutWaiting(RESPCommand("EVAL", ClusterKeys.releaseScript, "1", key, service.claimOwner))
    }
}
