/// The Redis keys of a cluster's streams and retained events, and the scripts that write and
/// read them.
extension ClusterKeys {
    /// A realm's stream epoch (one for all its topics), created by the first writer or reader.
    func streamEpoch(realm: String) -> String { "\(self.prefix):epoch:\(realm)" }
    /// A realm's last offset per topic (a hash: topic → offset).
    func streamOffsets(realm: String) -> String { "\(self.prefix):offsets:\(realm)" }
    /// One history topic's kept events (entry id `<offset>-0`, fields `t` ms, `n` the realm's
    /// publication count and `f` frame).
    func topicHistory(realm: String, topic: String) -> String { self.topicHistoryPrefix(realm: realm) + topic }
    /// What every history topic's key of a realm starts with (the pattern read script appends the
    /// topic itself).
    func topicHistoryPrefix(realm: String) -> String { "\(self.prefix):history:\(realm):" }
    /// A realm's retained events (a hash: topic → stamped frame).
    func retained(realm: String) -> String { "\(self.prefix):retained:\(realm)" }
    /// A realm's count of history publications, so events of several topics read back together
    /// interleave in the order Redis took them (entry field `n`).
    func streamOrder(realm: String) -> String { "\(self.prefix):order:\(realm)" }

    /// The ordered path's step for a retained or history publication: for a history topic, the
    /// realm's epoch (SET if none), the topic's next offset (HINCRBY) and the event in the topic's
    /// bounded history; for a retained one, the realm's retained hash; then, as for every
    /// publication, the source's stream and PUBLISH — all in one step, with the stamp in front
    /// of the frame. Returns the stamp (empty when not a history topic). A sequence number already
    /// in the source's stream (a publication resent after its connection dropped, whose first
    /// send did run) is not written again: the stamp it got then comes back.
    ///
    /// KEYS: source stream, source channel, epoch, offsets, topic history, retained, order.
    /// ARGV: entry id, frame, source stream length, source stream TTL ms, topic, epoch offered,
    /// history (1/0), history length (0: none), history TTL ms (0: none), retain (1/0), time ms.
    static let streamPublishScript = """
        local done = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
        if #done > 0 then
          local sent = done[1][2][2]
          if string.sub(sent, 1, 1) ~= 'S' then return '' end
          return string.sub(sent, 1, string.find(sent, '\\n', 1, true))
        end
        local stamp = ''
        if ARGV[7] == '1' then
          local epoch = redis.call('GET', KEYS[3])
          if not epoch then
            epoch = ARGV[6]
            redis.call('SET', KEYS[3], epoch)
          end
          local offset = redis.call('HINCRBY', KEYS[4], ARGV[5], 1)
          local order = redis.call('INCR', KEYS[7])
          if ARGV[8] ~= '0' then
            redis.call('XADD', KEYS[5], 'MAXLEN', ARGV[8], offset .. '-0', 't', ARGV[11], 'n', order, 'f', ARGV[2])
          else
            redis.call('XADD', KEYS[5], offset .. '-0', 't', ARGV[11], 'n', order, 'f', ARGV[2])
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

    /// Several history topics read in one step, for a pattern `_recover` and `get_events`: the
    /// realm's epoch and, for every topic in the offsets hash that matches the pattern (WAMP's
    /// exact, prefix or wildcard rule) and every listed topic, its current offset and its kept
    /// events from the listed entry id on (from the start when not listed). The history keys are
    /// built here from their prefix (fine on one Redis master; Redis Cluster is not supported).
    /// KEYS: epoch, offsets. ARGV: epoch offered, history key prefix, match, pattern, then
    /// topic / first entry id pairs. Returns `{epoch, {topic, current, entries, ...}}`.
    static let streamPatternReadScript = """
        local epoch = redis.call('GET', KEYS[1])
        if not epoch then
          epoch = ARGV[1]
          redis.call('SET', KEYS[1], epoch)
        end
        local match, pattern = ARGV[3], ARGV[4]
        local parts = {}
        for part in string.gmatch(pattern .. '.', '([^.]*)%.') do parts[#parts + 1] = part end
        local function matches(topic)
          if match == 'prefix' then return string.sub(topic, 1, #pattern) == pattern end
          if match == 'wildcard' then
            local count = 0
            for part in string.gmatch(topic .. '.', '([^.]*)%.') do
              count = count + 1
              if parts[count] == nil or (parts[count] ~= '' and parts[count] ~= part) then return false end
            end
            return count == #parts
          end
          return topic == pattern
        end
        local first = {}
        for index = 5, #ARGV - 1, 2 do first[ARGV[index]] = ARGV[index + 1] end
        local offsets = redis.call('HGETALL', KEYS[2])
        local current = {}
        for index = 1, #offsets - 1, 2 do current[offsets[index]] = offsets[index + 1] end
        local out = {}
        local function add(topic)
          out[#out + 1] = topic
          out[#out + 1] = current[topic] or '0'
          out[#out + 1] = redis.call('XRANGE', ARGV[2] .. topic, first[topic] or '-', '+')
        end
        for index = 1, #offsets - 1, 2 do
          local topic = offsets[index]
          if first[topic] == nil and matches(topic) then add(topic) end
        end
        for topic, _ in pairs(first) do add(topic) end
        return {epoch, out}
        """
}

/// The SHAs of the stream scripts, loaded at every connect.
struct StreamScripts: Sendable {
    var publish: String
    var read: String
    var patternRead: String
}
