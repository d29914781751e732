import WAMPCore

/// The constant messages of a session (HELLO, GOODBYE and its reply), encoded once per run.
struct SessionSetup: Sendable {
    let serializer: SerializerKind
    let realm: String
    let hello: [UInt8]
    let goodbye: [UInt8]
    let goodbyeReply: [UInt8]

    init(serializer: SerializerKind, realm: String) {
        self.serializer = serializer
        self.realm = realm
        let roles: WAMPDict = ["caller": [:], "callee": [:], "publisher": [:], "subscriber": [:]]
        let codec = serializer.serializer
        self.hello = WAMPMessage.hello(.init(realm: realm, details: ["roles": .dict(roles)])).encoded(with: codec)
        self.goodbye = WAMPMessage.goodbye(.init(reason: "wamp.close.close_realm")).encoded(with: codec)
        self.goodbyeReply = WAMPMessage.goodbye(.init(reason: "wamp.close.goodbye_and_out")).encoded(with: codec)
    }
}
