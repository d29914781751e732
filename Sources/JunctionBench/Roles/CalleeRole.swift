import NIOCore
import WAMPCore

/// Registers one procedure and answers every INVOCATION with a pre-encoded YIELD of the same
/// payload size as the calls.
final class CalleeRole: SessionRole {
    private let register: [UInt8]
    private let yield: MessageTemplate
    private let registered: EventLoopPromise<Void>

    init(register: [UInt8], yield: MessageTemplate, registered: EventLoopPromise<Void>) {
        self.register = register
        self.yield = yield
        self.registered = registered
    }

    func sessionEstablished(_ session: WAMPClientHandler) {
        var buffer = FrameHeadroom.makeBuffer(session.allocator, capacity: self.register.count)
        buffer.writeBytes(self.register)
        session.send(buffer)
        session.flushIfNeeded()
    }

    func received(_ type: UInt64, _ scanner: inout WireScanner, _ session: WAMPClientHandler) throws(ScanError) {
        switch type {
        case MessageType.invocation.rawValue:
            let request = try scanner.uint()
            var buffer = FrameHeadroom.makeBuffer(session.allocator, capacity: self.yield.maximumSize)
            self.yield.write(into: &buffer, request)
            session.send(buffer)
        case MessageType.registered.rawValue:
            self.registered.succeed()
        case MessageType.error.rawValue:
            self.registered.fail(ClientTransportError("REGISTER was refused"))
        default:
            break
        }
    }

    func sessionClosed() {
        self.registered.fail(ClientTransportError("callee session closed before REGISTERED"))
    }
}
