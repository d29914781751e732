import WAMPCore

/// What a realm knows about one joined session.
final class SessionRecord {
    let id: UInt64
    let peer: any PeerConnection
    let authid: String
    let role: Role
    let authmethod: String
    /// `HELLO.Details.roles`: the features the client announced.
    let clientRoles: WAMPDict
    let transport: String
    var subscriptions: Set<UInt64> = []

    init(
        id: UInt64, peer: any PeerConnection, authid: String, role: Role, authmethod: String, clientRoles: WAMPDict,
        transport: String
    ) {
        self.id = id
        self.peer = peer
        self.authid = authid
        self.role = role
        self.authmethod = authmethod
        self.clientRoles = clientRoles
        self.transport = transport
    }

    var authrole: String { self.role.name }
}
