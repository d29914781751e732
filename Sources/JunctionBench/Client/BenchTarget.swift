import NIOCore

/// Where and how the load generator connects: `ws://host:port/path`, `rs://host:port` or
/// `rs+unix:///path/to/socket`.
///
/// Only loopback is accepted: the tool opens thousands of connections at full speed and must not
/// be pointed at someone else's machine by a typo.
struct BenchTarget: Sendable, CustomStringConvertible {
    enum Transport: String, Sendable {
        case webSocket = "websocket"
        case rawSocket = "rawsocket"
    }

    let url: String
    let transport: Transport
    /// `Host` header and path of the WebSocket upgrade request.
    let hostHeader: String
    let path: String
    /// Resolved once, so each connection skips name resolution.
    let address: SocketAddress

    var description: String { self.url }

    init(_ url: String) throws {
        self.url = url
        if url.hasPrefix("rs+unix://") {
            let path = String(url.dropFirst("rs+unix://".count))
            guard path.hasPrefix("/") else { throw BenchTargetError("expected rs+unix:///absolute/path, got \(url)") }
            self.transport = .rawSocket
            self.hostHeader = "localhost"
            self.path = path
            self.address = try SocketAddress(unixDomainSocketPath: path)
            return
        }
        let transport: Transport
        var rest: Substring
        if url.hasPrefix("ws://") {
            transport = .webSocket
            rest = url.dropFirst(5)
        } else if url.hasPrefix("rs://") || url.hasPrefix("tcp://") {
            transport = .rawSocket
            rest = url.drop { $0 != "/" }.dropFirst(2)
        } else {
            throw BenchTargetError("unsupported URL \(url): use ws://host:port/path, rs://host:port or rs+unix:///path")
        }
        let authority = rest.prefix { $0 != "/" }
        rest = rest.dropFirst(authority.count)
        let (host, port) = try Self.splitHostPort(authority)
        self.transport = transport
        self.hostHeader = String(authority)
        self.path = rest.isEmpty ? "/" : String(rest)
        self.address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        guard Self.isLoopback(self.address) else {
            throw BenchTargetError("\(host) resolves to \(self.address), which is not a loopback address; refusing")
        }
    }

    private static func splitHostPort(_ authority: Substring) throws -> (String, Int) {
        let host: Substring
        let portText: Substring
        if authority.hasPrefix("[") {  // [::1]:8080
            guard let close = authority.firstIndex(of: "]") else { throw BenchTargetError("bad host in \(authority)") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            portText = authority[close...].dropFirst(2)
        } else {
            guard let colon = authority.lastIndex(of: ":") else { throw BenchTargetError("missing port in \(authority)") }
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw BenchTargetError("bad port in \(authority)")
        }
        return (String(host), port)
    }

    /// 127.0.0.0/8 or ::1 (also as an IPv4-mapped address).
    static func isLoopback(_ address: SocketAddress) -> Bool {
        switch address {
        case .v4:
            return address.ipAddress?.hasPrefix("127.") ?? false
        case .v6:
            guard let ip = address.ipAddress else { return false }
            return ip == "::1" || ip.hasPrefix("::ffff:127.")
        case .unixDomainSocket:
            return true
        }
    }
}

struct BenchTargetError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
