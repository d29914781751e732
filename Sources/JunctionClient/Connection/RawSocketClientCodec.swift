import NIOCore
import WAMPCore

/// WAMP over RawSocket for a client: sends the handshake on connect, then turns frames into
/// `WAMPMessage`s (answering PINGs) and `WAMPMessage`s into frames. A thin shell around
/// `RawSocketClientParser`.
final class RawSocketClientCodec: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = WAMPMessage
    typealias OutboundIn = WAMPMessage
    typealias OutboundOut = ByteBuffer

    private let serializerKind: SerializerKind
    private let serializer: any WAMPSerializer
    private var parser: RawSocketClientParser
    private var cumulation: ByteBuffer?
    private var routerMaxLength = 1 << 24
    private var failed = false

    init(serializer: SerializerKind) {
        self.serializerKind = serializer
        self.serializer = serializer.serializer
        self.parser = RawSocketClientParser(serializer: serializer)
    }

    func channelActive(context: ChannelHandlerContext) {
        let hello = context.channel.allocator.buffer(bytes: RawSocketClientParser.handshake(serializer: self.serializerKind))
        context.writeAndFlush(self.wrapOutboundOut(hello), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.failed else { return }
        var incoming = self.unwrapInboundIn(data)
        if var buffer = self.cumulation {
            buffer.writeBuffer(&incoming)
            self.cumulation = buffer
        } else {
            self.cumulation = incoming
        }
        var buffer = self.cumulation!
        self.cumulation = nil
        do {
            parsing: while true {
                switch try self.parser.parseStep(&buffer) {
                case .insufficientData:
                    break parsing
                case .handshakeAccepted(let maxLength):
                    self.routerMaxLength = maxLength
                    context.fireUserInboundEventTriggered(ClientTransportReady())
                case .message(let payload):
                    let message = try WAMPMessage(buffer: payload, serializer: self.serializer)
                    context.fireChannelRead(self.wrapInboundOut(message))
                case .ping(let payload):
                    var pong = context.channel.allocator.buffer(capacity: 4 + payload.readableBytes)
                    pong.writeInteger(RawSocketClientParser.header(type: 2, length: payload.readableBytes))
                    pong.writeImmutableBuffer(payload)
                    context.writeAndFlush(self.wrapOutboundOut(pong), promise: nil)
                case .pong:
                    break
                }
            }
            if buffer.readableBytes > 0 {
                buffer.discardReadBytes()
                self.cumulation = buffer
            }
        } catch {
            self.failed = true
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let message = self.unwrapOutboundIn(data)
        let payload = context.channel.allocator.buffer(serializing: message, with: self.serializer)
        guard payload.readableBytes <= self.routerMaxLength else {
            promise?.fail(WAMPClientError(.transport, "message of \(payload.readableBytes) bytes exceeds the router's maximum of \(self.routerMaxLength)"))
            return
        }
        var frame = context.channel.allocator.buffer(capacity: 4 + payload.readableBytes)
        frame.writeInteger(RawSocketClientParser.header(type: 0, length: payload.readableBytes))
        frame.writeImmutableBuffer(payload)
        context.write(self.wrapOutboundOut(frame), promise: promise)
    }
}

@available(*, unavailable)
extension RawSocketClientCodec: Sendable {}
