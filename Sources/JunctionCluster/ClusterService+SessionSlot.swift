import JunctionRedis
import JunctionRouter
import RESPCore

extension ClusterService {
    /// Keeps this node's session-id slot (one of `Realm.clusterSessionSlots`) claimed in Redis:
    /// `SET slot owner NX PX ttl` to claim, re-checked and extended every heartbeat. Slots make
    /// session ids unique cluster-wide without a Redis round trip per session (ids are the slot in
    /// the top bits, random below), and a dead node's slot frees itself when its key expires.
    func claimSessionSlot(_ commands: RedisConnection) async throws {
        let owner = "\(self.configuration.node):\(self.epoch)"
        let ttl = "\(self.configuration.evictAfterMilliseconds)"
        if let slot = self.state.withLockedValue({ $0.sessionSlot }) {
            let current = try await self.send(commands, RESPCommand("GET", self.keys.sessionSlot(slot)))
            if current.string == owner {
                _ = try await self.send(commands, RESPCommand("PEXPIRE", self.keys.sessionSlot(slot), ttl))
                return
            }
            let claimed = try await self.send(commands, RESPCommand("SET", self.keys.sessionSlot(slot), owner, "NX", "PX", ttl))
            if claimed.string == "OK" { return }
            self.logger.warning("cluster: this node's session-id slot was taken over; claiming another")
        }
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in self.configuration.node.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        let slots = Realm.clusterSessionSlots
        for offset in 0..<slots {
            let slot = (hash &+ offset) % slots
            let reply = try await self.send(commands, RESPCommand("SET", self.keys.sessionSlot(slot), owner, "NX", "PX", ttl))
            guard reply.string == "OK" else { continue }
            self.state.withLockedValue { $0.sessionSlot = slot }
            for realm in self.router.realms.values { realm.setClusterSessionSlot(slot) }
            self.logger.info("cluster: session ids in slot", metadata: ["slot": "\(slot)"])
            return
        }
        self.logger.error("cluster: every session-id slot is taken; session ids are random (unique only by chance)")
    }
}
