import MQTTCore
import NIOCore

/// One MQTT client connection of the load generator, directly on the TCP channel.
///
/// Sends CONNECT when the channel becomes active, decodes what the broker sends with MQTTCore's
/// incremental `MQTTPacketParser`, hands every packet after a successful CONNACK to its role,
/// and batches writes: roles call `send(_:)`, and the flush happens once per read batch (or
/// when a timer-driven role calls `flushIfNeeded()`).
final class MQTTClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let version: MQTTProtocolVersion
    private let connect: MQTTConnect
    private let role: any MQTTSessionRole
    private let establishedPromise: EventLoopPromise<Void>?
    private var parser: MQTTPacketParser
    private var cumulation: ByteBuffer?
    private var context: ChannelHandlerContext?
    private var needsFlush = false
    private(set) var isConnected = false

    /// - Parameter established: succeeded on a successful CONNACK, failed on anything else first.
    init(connect: MQTTConnect, role: any MQTTSessionRole, established: EventLoopPromise<Void>?) {
        self.version = connect.protocolVersion
        self.connect = connect
        self.role = role
        self.establishedPromise = established
        self.parser = MQTTPacketParser(version: connect.protocolVersion)
    }

    var allocator: ByteBufferAllocator { self.context?.channel.allocator ?? ByteBufferAllocator() }
    var isWritable: Bool { self.context?.channel.isWritable ?? false }

    /// Queues `bytes`; flushed at the end of the read batch or by `flushIfNeeded()`.
    @inline(__always)
    func send(_ bytes: ByteBuffer) {
        guard let context = self.context else { return }
        context.write(self.wrapOutboundOut(bytes), promise: nil)
        self.needsFlush = true
    }

    /// Encodes `packet` with MQTTCore and queues it (for the packets that are not per message).
    func send(_ packet: MQTTPacket) {
        self.send(ByteBuffer(bytes: packet.encoded(version: self.version)))
    }

    func flushIfNeeded() {
        guard self.needsFlush, let context = self.context else { return }
        self.needsFlush = false
        context.flush()
    }

    /// DISCONNECT (normal), then close.
    func disconnect() {
        guard let context = self.context else { return }
        self.send(.disconnect(MQTTDisconnect()))
        self.flushIfNeeded()
        context.close(promise: nil)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { self.sendConnect(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        self.sendConnect(context: context)
        context.fireChannelActive()
    }

    private var connectSent = false

    private func sendConnect(context: ChannelHandlerContext) {
        guard !self.connectSent else { return }
        self.connectSent = true
        context.writeAndFlush(
            self.wrapOutboundOut(ByteBuffer(bytes: MQTTPacket.connect(self.connect).encoded(version: self.version))),
            promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = self.unwrapInboundIn(data)
        if var pending = self.cumulation, pending.readableBytes > 0 {
            self.cumulation = nil  // one owner while appending, so no copy-on-write
            pending.writeBuffer(&incoming)
            incoming = pending
        }
        while true {
            let (step, consumed) = incoming.withUnsafeReadableBytes { bytes in
                var readerIndex = 0
                do throws(MQTTDecodingError) {
                    return (Result<MQTTPacketParser.ParseResult, MQTTDecodingError>
                        .success(try self.parser.parseStep(bytes, readerIndex: &readerIndex)), readerIndex)
                } catch {
                    return (.failure(error), readerIndex)
                }
            }
            incoming.moveReaderIndex(forwardBy: consumed)
            switch step {
            case .failure(let error):
                self.fail("undecodable packet from the broker: \(error)", context: context)
                return
            case .success(.insufficientData):
                if incoming.readableBytes > 0 {
                    if incoming.readerIndex > 65_536 { incoming.discardReadBytes() }
                    self.cumulation = incoming
                }
                return
            case .success(.continueParsing):
                continue
            case .success(.result(let packet)):
                self.handle(packet, context: context)
            }
        }
    }

    private func handle(_ packet: MQTTPacket, context: ChannelHandlerContext) {
        guard self.isConnected else {
            guard case .connack(let connack) = packet else {
                self.fail("expected CONNACK, got \(packet.type)", context: context)
                return
            }
            guard connack.reasonCode == .success else {
                self.fail("CONNACK refused the connection: \(connack.reasonCode)", context: context)
                return
            }
            self.isConnected = true
            self.establishedPromise?.succeed()
            self.role.connected(self, connack: connack)
            return
        }
        if case .pingreq = packet {
            self.send(.pingresp)
            return
        }
        self.role.received(packet, self)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.role.readComplete(self)
        self.flushIfNeeded()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.establishedPromise?.fail(ClientTransportError("connection closed before CONNACK"))
        self.role.closed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        self.establishedPromise?.fail(error)
        context.close(promise: nil)
    }

    private func fail(_ reason: String, context: ChannelHandlerContext) {
        self.establishedPromise?.fail(ClientTransportError(reason))
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension MQTTClientHandler: Sendable {}
