import NIOCore

extension Optional where Wrapped == SocketAddress {
    /// The peer as `TransportInfo.peer` wants it: `127.0.0.1:51234`, `[::1]:51234` or `unix`.
    public func peerDescription(kind: TransportKind) -> String {
        guard let address = self else {
            return kind == .rawSocketUnix ? "unix" : "unknown"
        }
        switch address {
        case .unixDomainSocket:
            return "unix"
        case .v6:
            return "[\(address.ipAddress ?? "?")]:\(address.port ?? 0)"
        case .v4:
            return "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
        }
    }
}
