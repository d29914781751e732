import NIOCore

/// Closes a connection of a full MQTT listener at once.
final class MQTTRefusingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    func channelActive(context: ChannelHandlerContext) {
        context.close(promise: nil)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { context.close(promise: nil) }
    }
}

@available(*, unavailable)
extension MQTTRefusingHandler: Sendable {}
