import NIOCore
import WAMPCore

/// Server side of RawSocket for the baseline: accepts the handshake for any of the three
/// serializers, then cuts frames into WAMP messages for a `BaselineHandler` it adds behind itself.
final class BaselineRawSocketHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let hubs: BaselineHubs
    private let relays: BaselineRelays?
    private var open = false
    private var cumulation = InboundCumulation()

    init(hubs: BaselineHubs, relays: BaselineRelays?) {
        self.hubs = hubs
        self.relays = relays
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do {
            try self.cumulation.append(self.unwrapInboundIn(data)) { buffer in
                try self.parse(&buffer, context: context)
            }
        } catch {
            context.close(promise: nil)
        }
    }

    private func parse(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) throws {
        if !self.open {
            guard let hello = buffer.readBytes(length: 4) else { return }
            guard hello[0] == 0x7F, let kind = SerializerKind(rawValue: hello[1] & 0x0F) else {
                throw ClientTransportError("bad RawSocket handshake")
            }
            self.open = true
            var reply = context.channel.allocator.buffer(capacity: 4)
            reply.writeBytes([0x7F, 0xF0 | kind.rawValue, 0, 0])
            context.writeAndFlush(self.wrapOutboundOut(reply), promise: nil)
            try context.pipeline.syncOperations.addHandler(
                BaselineHandler(
                    serializer: kind, framing: .rawSocket, hubs: self.hubs, relays: self.relays, outlet: context),
                position: .after(self))
        }
        while buffer.readableBytes >= 4, let header = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) {
            let length = Int(header & 0x00FF_FFFF)
            guard buffer.readableBytes >= 4 + length else { return }
            buffer.moveReaderIndex(forwardBy: 4)
            let payload = buffer.readSlice(length: length)!
            switch header >> 24 & 0x07 {
            case 0:
                context.fireChannelRead(self.wrapInboundOut(payload))
            case 1:
                let pong = BaselineFraming.rawSocketFrame(type: 2, allocator: context.channel.allocator) {
                    $0.writeImmutableBuffer(payload)
                }
                context.writeAndFlush(self.wrapOutboundOut(pong), promise: nil)
            default:
                break
            }
        }
    }
}

@available(*, unavailable)
extension BaselineRawSocketHandler: Sendable {}
