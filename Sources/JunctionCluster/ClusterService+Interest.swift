import JunctionRedis
import JunctionRouter
import RESPCore

extension ClusterService {
    /// Keeps this node's interest list in Redis current (checked every 50 ms, rewritten when it
    /// changes and refreshed every heartbeat, with a TTL so a dead node's list expires) and re-reads
    /// the other nodes' lists when one changes or every heartbeat.
    func interestLoop(_ commands: RedisConnection) async throws {
        let key = self.keys.interestKey(self.configuration.node)
        var written: String?
        var lastRefresh: Int64 = 0
        while true {
            let encoded = InterestIndex.encode(await self.localInterests())
            let now = Self.now()
            if encoded != written || now - lastRefresh >= self.configuration.heartbeatIntervalMilliseconds {
                if encoded.isEmpty {
                    _ = try await self.send(commands, RESPCommand("DEL", key))
                } else {
                    _ = try await self.send(
                        commands, RESPCommand("SET", key, encoded, "PX", "\(self.configuration.evictAfterMilliseconds)"))
                }
                if encoded != written {
                    _ = try await self.send(
                        commands, RESPCommand("PUBLISH", self.keys.interestChangedChannel, self.configuration.node))
                }
                written = encoded
                lastRefresh = now
                try await self.readInterest(commands)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Re-reads every other node's interest list.
    func refreshInterest() async throws {
        guard let commands = self.state.withLockedValue({ $0.commands }) else { return }
        try await self.readInterest(commands)
    }

    func readInterest(_ commands: RedisConnection) async throws {
        let prefix = self.keys.interestKey("")
        var cursor = "0"
        var keys: [String] = []
        repeat {
            let reply = try await self.send(
                commands, RESPCommand("SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"))
            guard let parts = reply.elements, parts.count == 2, let next = parts[0].string else { return }
            cursor = next
            keys += (parts[1].elements ?? []).compactMap(\.string)
        } while cursor != "0"
        keys.removeAll { $0 == self.keys.interestKey(self.configuration.node) }
        var lists: [String: Set<InterestIndex.Interest>] = [:]
        if !keys.isEmpty {
            let values = try await self.send(commands, RESPCommand("MGET", arguments: keys)).elements ?? []
            for (key, value) in zip(keys, values) {
                guard let text = value.string else { continue }
                let (interests, rejected) = InterestIndex.decode(text)
                if rejected > 0 {
                    self.logger.warning("cluster: ignored malformed interest lines", metadata: [
                        "key": "\(key)", "lines": "\(rejected)",
                    ])
                }
                lists[String(key.dropFirst(prefix.count))] = interests
            }
        }
        self.state.withLockedValue { state in
            for node in state.interest.nodes where lists[node] == nil { state.interest.remove(node: node) }
            for (node, interests) in lists { state.interest.set(node: node, interests: interests) }
        }
    }

    private func localInterests() async -> Set<InterestIndex.Interest> {
        var interests = Set<InterestIndex.Interest>()
        for realm in self.router.realms.values {
            let topics = (try? await realm.eventLoop.submit { realm.subscribedTopics() }.get()) ?? []
            for (topic, match) in topics {
                guard let policy = MatchPolicy(rawValue: match) else { continue }
                interests.insert(.init(realm: realm.name, match: policy, topic: topic))
            }
        }
        return interests
    }
}
