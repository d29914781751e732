import RESPCore

/// A `host:port` of a Redis server or sentinel.
public struct RedisAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, `[v6]:port`, or a bare host with `defaultPort`; `nil` when it is none of these.
    public static func parse(_ text: String, defaultPort: Int) -> RedisAddress? {
        var host = Substring(text)
        var port = defaultPort
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let value = Int(after.dropFirst()) else { return nil }
                port = value
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            guard let value = Int(text[text.index(after: colon)...]) else { return nil }
            port = value
        }
        guard !host.isEmpty, (1...65535).contains(port) else { return nil }
        return RedisAddress(host: String(host), port: port)
    }

    public var description: String { self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)" }
}

/// Which sentinels to ask where the master named `masterName` is.
public struct RedisSentinelConfiguration: Sendable, Hashable {
    public var sentinels: [RedisAddress]
    public var masterName: String
    /// AUTH towards the sentinels themselves (their `requirepass`/ACL), not the master.
    public var username: String?
    public var password: String?

    public init(sentinels: [RedisAddress], masterName: String, username: String? = nil, password: String? = nil) {
        self.sentinels = sentinels
        self.masterName = masterName
        self.username = username
        self.password = password
    }
}

/// The sentinel protocol's pure part: the order sentinels are asked in (the one that answered
/// last first, as the Sentinel client guidelines ask) and the meaning of their replies.
struct RedisSentinelRotation: Sendable {
    private(set) var order: [RedisAddress]

    init(_ sentinels: [RedisAddress]) {
        self.order = sentinels
    }

    mutating func answered(_ sentinel: RedisAddress) {
        guard let index = self.order.firstIndex(of: sentinel), index > 0 else { return }
        self.order.insert(self.order.remove(at: index), at: 0)
    }

    /// `SENTINEL get-master-addr-by-name`: `[host, port]`, or null when the sentinel does not
    /// monitor that name.
    static func masterAddress(from reply: RESPValue) -> RedisAddress? {
        guard let parts = reply.elements, parts.count == 2, let host = parts[0].string, !host.isEmpty,
            let portText = parts[1].string, let port = Int(portText), (1...65535).contains(port)
        else { return nil }
        return RedisAddress(host: host, port: port)
    }

    /// A `+switch-master` announcement (`<name> <old ip> <old port> <new ip> <new port>`): the new
    /// address when it is about `masterName`.
    static func switchedMaster(_ payload: String, masterName: String) -> RedisAddress? {
        let parts = payload.split(separator: " ")
        guard parts.count == 5, parts[0] == masterName, let port = Int(parts[4]), (1...65535).contains(port)
        else { return nil }
        return RedisAddress(host: String(parts[3]), port: port)
    }

    /// `ROLE`: its first element is `master` on a master (a server just demoted says `slave`).
    static func isMaster(roleReply reply: RESPValue) -> Bool {
        reply.elements?.first?.string == "master"
    }
}
