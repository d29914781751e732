/// Where a router listens and how to reach it, parsed from a URL.
///
/// | URL | transport |
/// |---|---|
/// | `ws://host[:port][/path]`, `wss://…` | WebSocket (default ports 80/443, path `/`), TLS for `wss` |
/// | `rs://host:port`, `rss://host:port` | RawSocket over TCP, TLS for `rss` |
/// | `unix:///path/to/socket` | RawSocket over a Unix domain socket |
///
/// Parsed by hand (not `Foundation.URL`) so `rs://` and `unix://` behave the same on every platform
/// and errors name what is wrong.
public struct WAMPEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The WAMP transport that runs over the connection.
    public enum Transport: Sendable, Hashable {
        /// WAMP over WebSocket; `path` is the HTTP request target of the upgrade.
        case webSocket(path: String)
        /// WAMP over RawSocket.
        case rawSocket
    }

    /// The socket to connect to.
    public enum Address: Sendable, Hashable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    public var transport: Transport
    public var address: Address
    /// Whether the connection is wrapped in TLS (`wss://`, `rss://`).
    public var tls: Bool

    public init(transport: Transport, address: Address, tls: Bool = false) {
        self.transport = transport
        self.address = address
        self.tls = tls
    }

    /// Parses a router URL; see the type's documentation for the accepted forms.
    public init(url: String) throws(WAMPClientError) {
        guard let schemeEnd = url.range(of: "://") else {
            throw WAMPClientError(.invalidURL, "\(url): expected scheme://… (ws, wss, rs, rss or unix)")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let rest = String(url[schemeEnd.upperBound...])
        switch scheme {
        case "ws", "wss":
            let tls = scheme == "wss"
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            let (host, port) = try Self.hostAndPort(String(rest[..<slash]), defaultPort: tls ? 443 : 80, url: url)
            let path = slash == rest.endIndex ? "/" : String(rest[slash...])
            self.init(transport: .webSocket(path: path), address: .tcp(host: host, port: port), tls: tls)
        case "rs", "rss", "tcp":
            let authority = rest.hasSuffix("/") ? String(rest.dropLast()) : rest
            let (host, port) = try Self.hostAndPort(authority, defaultPort: nil, url: url)
            self.init(transport: .rawSocket, address: .tcp(host: host, port: port), tls: scheme == "rss")
        case "unix":
            guard rest.hasPrefix("/"), rest.count > 1 else {
                throw WAMPClientError(.invalidURL, "\(url): expected unix:///absolute/path")
            }
            self.init(transport: .rawSocket, address: .unix(path: rest))
        default:
            throw WAMPClientError(.invalidURL, "\(url): unknown scheme '\(scheme)' (ws, wss, rs, rss or unix)")
        }
    }

    private static func hostAndPort(
        _ authority: String, defaultPort: Int?, url: String
    ) throws(WAMPClientError) -> (String, Int) {
        var host = Substring(authority)
        var portText: Substring?
        if host.hasPrefix("[") {  // [IPv6]:port
            guard let close = host.firstIndex(of: "]") else {
                throw WAMPClientError(.invalidURL, "\(url): unterminated IPv6 address")
            }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() }
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.lastIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        guard !host.isEmpty else { throw WAMPClientError(.invalidURL, "\(url): missing host") }
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw WAMPClientError(.invalidURL, "\(url): invalid port '\(portText)'")
            }
            return (String(host), port)
        }
        guard let defaultPort else { throw WAMPClientError(.invalidURL, "\(url): a port is required") }
        return (String(host), defaultPort)
    }

    public var description: String {
        switch (self.transport, self.address) {
        case (.webSocket(let path), .tcp(let host, let port)):
            return "\(self.tls ? "wss" : "ws")://\(Self.bracketed(host)):\(port)\(path)"
        case (.rawSocket, .tcp(let host, let port)):
            return "\(self.tls ? "rss" : "rs")://\(Self.bracketed(host)):\(port)"
        case (_, .unix(let path)):
            return "unix://\(path)"
        }
    }

    private static func bracketed(_ host: String) -> String {
        host.contains(":") ? "[\(host)]" : host
    }
}
