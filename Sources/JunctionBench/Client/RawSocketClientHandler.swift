import NIOCore
import WAMPCore

/// Client side of WAMP RawSocket: the 4-byte handshake, then length-prefixed frames.
///
/// Inbound it turns the byte stream into one `ByteBuffer` per WAMP message (answering PINGs);
/// outbound it writes the 4-byte frame header into the headroom of each message
/// (see `FrameHeadroom`), so framing costs no allocation.
final class RawSocketClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case handshaking
        case open
        case failed
    }

    private let serializer: SerializerKind
    private var state = State.handshaking
    private var cumulation = InboundCumulation()

    init(serializer: SerializerKind) {
        self.serializer = serializer
    }

    func channelActive(context: ChannelHandlerContext) {
        // 0x7F magic, max length 2^24 (exponent 15) | serializer id, two reserved bytes.
        var hello = context.channel.allocator.buffer(capacity: 4)
        hello.writeBytes([0x7F, 0xF0 | self.serializer.rawValue, 0, 0])
        context.writeAndFlush(self.wrapOutboundOut(hello), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard self.state != .failed else { return }
        do {
            try self.cumulation.append(self.unwrapInboundIn(data)) { buffer in
                try self.parse(&buffer, context: context)
            }
        } catch {
            self.state = .failed
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }

    private func parse(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) throws {
        if self.state == .handshaking {
            guard let reply = buffer.readBytes(length: 4) else { return }
            guard reply[0] == 0x7F else { throw ClientTransportError("RawSocket: bad handshake magic \(reply[0])") }
            guard reply[1] & 0x0F == self.serializer.rawValue else {
                throw ClientTransportError("RawSocket: router refused the handshake (error \(reply[1] >> 4))")
            }
            self.state = .open
            context.fireUserInboundEventTriggered(ClientTransportEvent.ready)
        }
        while buffer.readableBytes >= 4, let header = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) {
            let length = Int(header & 0x00FF_FFFF)
            guard buffer.readableBytes >= 4 + length else { return }
            buffer.moveReaderIndex(forwardBy: 4)
            let payload = buffer.readSlice(length: length)!
            switch header >> 24 & 0x07 {
            case 0:
                context.fireChannelRead(self.wrapInboundOut(payload))
            case 1:  // PING: answer with PONG carrying the same payload
                var pong = context.channel.allocator.buffer(capacity: 4 + length)
                pong.writeInteger(UInt32(2 << 24) | UInt32(length))
                pong.writeImmutableBuffer(payload)
                context.writeAndFlush(self.wrapOutboundOut(pong), promise: nil)
            default:
                break  // PONG or reserved: nothing to do
            }
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var message = self.unwrapOutboundIn(data)
        let length = UInt32(message.readableBytes)
        withUnsafeBytes(of: length.bigEndian) { header in
            FrameHeadroom.prepend(header, to: &message)
        }
        context.write(self.wrapOutboundOut(message), promise: promise)
    }
}

@available(*, unavailable)
extension RawSocketClientHandler: Sendable {}
