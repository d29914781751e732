/// The Redis keys of a cluster's streams and retained events, and the scripts that write and
/// read them.
extension ClusterKeys {
    /// A realm's stream epoch (one for all its topics), created by the first writer or reader.
    func streamEpoch(realm: String) -> String { "\(self.prefix):epoch:\(realm)" }
    /// A realm's last offset per topic (a hash: topic → offset).
    func streamOffsets(realm: String) -> String { "\(self.prefix):offsets:\(realm)" }
    /// One history topic's kept events (entry id `<offset>-0`, fields `t` ms and `f` frame).
    func topicHistory(realm: String, topic: String) -> String { "\(self.prefix):history:\(realm):\(topic)" }
    /// A realm's retained events (a hash: topic → stamped frame).
    func retained(realm: String) -> String { "\(self.prefix):retained:\(realm)" }

    /// The ordered path's step for a retained or history publication: for a history topic, the
    /// realm's epoch (SET if none), the topic's next offset (HINCRBY) and the event in the topic's
    /// bounded history; for a retained one, the realm's retained hash; then, as for every
    /// publication, the source's stream and PUBLISH — all in one step, with the stamp in front
    /// of the frame. Returns the stamp (empty when not a history topic).
    ///
    /// KEYS: source stream, source channel, epoch, offsets, topic history, retained.
    /// ARGV: entry id, frame, source stream length, source stream TTL ms, topic, epoch offered,
    /// history (1/0), history length (0: none), history TTL ms (0: none), retain (1/0), time ms.
    static let streamPublishScript = """
        local stamp = ''
        if ARGV[7] == '1' then
          local epoch = redis.call('GET', KEYS[3])
          if not epoch then
            epoch = ARGV[6]
            redis.call('SET', KEYS[3], epoch)
          end
          local offset = redis.call('HINCRBY', KEYS[4], ARGV[5], 1)
          if ARGV[8] ~= '0' then
            redis.call('XADD', KEYS[5], 'MAXLEN', ARGV[8], offset .. '-0', 't', ARGV[11], 'f', ARGV[2])
          else
            redis.call('XADD', KEYS[5], offset .. '-0', 't', ARGV[11], 'f', ARGV[2])
          end
          if ARGV[9] ~= '0' then redis.call('PEXPIRE', KEYS[5], ARGV[9]) end
          stamp = 'S' .. offset .. ' ' .. epoch .. '\\n'
        end
        local message = stamp .. ARGV[2]
        if ARGV[10] == '1' then redis.call('HSET', KEYS[6], ARGV[5], message) end
        redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], ARGV[1], 'f', message)
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        redis.call('PUBLISH', KEYS[2], message)
        return stamp
        """

    /// A history topic's epoch, current offset and kept events from an entry id on, read in one
    /// step (so no publication falls between them). KEYS: epoch, offsets, topic history.
    /// ARGV: topic, first entry id, epoch offered (when the realm has none yet).
    static let streamReadScript = """
        local epoch = redis.call('GET', KEYS[1])
        if not epoch then
          epoch = ARGV[3]
          redis.call('SET', KEYS[1], epoch)
        end
        local current = redis.call('HGET', KEYS[2], ARGV[1]) or '0'
        return {epoch, current, redis.call('XRANGE', KEYS[3], ARGV[2], '+')}
        """
}

/// The SHAs of the stream scripts, loaded at every connect.
struct StreamScripts: Sendable {
    var publish: String
    var read: String
}
