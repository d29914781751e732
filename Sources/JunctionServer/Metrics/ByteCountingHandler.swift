import JunctionRouter
import NIOCore

/// First in every accepted connection's pipeline: adds the bytes read and written on the socket
/// (TLS records, framing and handshake included) to the loop's `RouterCounters`. One addition
/// per read and per write; the data passes through untouched.
final class ByteCountingHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private let counters: RouterCounters

    init(counters: RouterCounters) {
        self.counters = counters
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.counters.bytesIn += self.unwrapInboundIn(data).readableBytes
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        self.counters.bytesOut += self.unwrapOutboundIn(data).readableBytes
        context.write(data, promise: promise)
    }
}

@available(*, unavailable)
extension ByteCountingHandler: Sendable {}
