import NIOCore
import WAMPCore

@testable import JunctionTransport

extension TransportInbound {
    var message: WAMPMessage? {
        if case .message(let message) = self { return message }
        return nil
    }

    var violation: ProtocolViolation? {
        if case .violation(let violation) = self { return violation }
        return nil
    }
}

extension ByteBuffer {
    init(bytes: [UInt8]) {
        self = ByteBufferAllocator().buffer(bytes: bytes)
    }

    var bytes: [UInt8] {
        Array(self.readableBytesView)
    }
}

enum Fixtures {
    static let hello = WAMPMessage.hello(
        .init(realm: "com.example", details: ["roles": ["subscriber": [:], "caller": [:]]])
    )
    static let goodbye = WAMPMessage.goodbye(.init(reason: "wamp.close.normal"))
    static let helloJSON = #"[1,"com.example",{"roles":{"subscriber":{},"caller":{}}}]"#

    static func encoded(_ message: WAMPMessage, _ serializer: SerializerKind) -> [UInt8] {
        serializer.serializer.encode(message.wireValue)
    }
}
