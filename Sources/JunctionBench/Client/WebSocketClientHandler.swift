import NIOCore
import WAMPCore

/// Client side of WAMP over WebSocket: a minimal HTTP/1.1 upgrade, then RFC 6455 framing.
///
/// Written by hand rather than with NIOHTTP1's client upgrader so that a connection costs one
/// handler and no HTTP parsing beyond the status line and the subprotocol header: the `connect`
/// scenario measures the router's handshake cost, not the generator's. What it leaves out on
/// purpose: the `Sec-WebSocket-Accept` check (the key is fixed; routers must not care), extensions
/// (none are offered), and random masking keys: frames carry the all-zero key, which the RFC allows
/// as a key value and which spares the generator the XOR (the router still unmasks every byte).
final class WebSocketClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case awaitingUpgrade
        case open
        case closed
    }

    private let serializer: SerializerKind
    private let host: String
    private let path: String
    private var state = State.awaitingUpgrade
    private var cumulation = InboundCumulation()
    private var fragments: ByteBuffer?
    private var parser = WebSocketFrameParser()

    init(serializer: SerializerKind, host: String, path: String) {
        self.serializer = serializer
        self.host = host
        self.path = path
    }

    func channelActive(context: ChannelHandlerContext) {
        let request =
            "GET \(self.path) HTTP/1.1\r\nHost: \(self.host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Protocol: \(self.serializer.webSocketSubprotocol)\r\n\r\n"
        context.writeAndFlush(self.wrapOutboundOut(context.channel.allocator.buffer(string: request)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard self.state != .closed else { return }
        do {
            try self.cumulation.append(self.unwrapInboundIn(data)) { buffer in
                if self.state == .awaitingUpgrade {
                    guard try self.readUpgradeResponse(&buffer) else { return }
                    self.state = .open
                    context.fireUserInboundEventTriggered(ClientTransportEvent.ready)
                }
                try self.readFrames(&buffer, context: context)
            }
        } catch {
            self.state = .closed
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }

    /// Consumes the HTTP response once complete; true if it accepted the upgrade.
    private func readUpgradeResponse(_ buffer: inout ByteBuffer) throws -> Bool {
        let view = buffer.readableBytesView
        guard let end = view.firstRange(of: [13, 10, 13, 10]) else {
            if view.count > 16_384 { throw ClientTransportError("WebSocket: oversize upgrade response") }
            return false
        }
        let head = String(decoding: view[view.startIndex..<end.lowerBound], as: UTF8.self).lowercased()
        buffer.moveReaderIndex(to: end.upperBound)
        let statusLine = head.prefix { $0 != "\r" }
        guard statusLine.contains(" 101") else {
            throw ClientTransportError("WebSocket: upgrade refused: \(statusLine)")
        }
        guard head.contains("sec-websocket-protocol: \(self.serializer.webSocketSubprotocol)") else {
            throw ClientTransportError("WebSocket: server did not accept \(self.serializer.webSocketSubprotocol)")
        }
        return true
    }

    private func readFrames(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) throws {
        while let frame = try self.parser.next(&buffer) {
            switch frame.opcode {
            case 0x1, 0x2:
                if frame.fin {
                    context.fireChannelRead(self.wrapInboundOut(frame.payload))
                } else {
                    self.fragments = frame.payload
                }
            case 0x0:
                guard var partial = self.fragments.take() else { throw ClientTransportError("stray continuation") }
                var payload = frame.payload
                partial.writeBuffer(&payload)
                if frame.fin {
                    context.fireChannelRead(self.wrapInboundOut(partial))
                } else {
                    self.fragments = partial
                }
            case 0x9:  // PING: answer PONG with the same payload
                self.writeFrame(opcode: 0xA, payload: frame.payload, context: context, promise: nil)
                context.flush()
            case 0x8:  // CLOSE: echo it, then close the TCP connection
                self.state = .closed
                self.writeFrame(opcode: 0x8, payload: frame.payload, context: context, promise: nil)
                context.flush()
                context.close(promise: nil)
                return
            default:
                break  // PONG
            }
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        self.writeFrame(
            opcode: self.serializer == .json ? 0x1 : 0x2, payload: self.unwrapOutboundIn(data), context: context,
            promise: promise)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if self.state == .open, mode == .all {
            self.state = .closed
            var status = context.channel.allocator.buffer(capacity: 2)
            status.writeInteger(UInt16(1000))
            self.writeFrame(opcode: 0x8, payload: status, context: context, promise: nil)
            context.flush()
        }
        context.close(mode: mode, promise: promise)
    }

    private func writeFrame(
        opcode: UInt8, payload: ByteBuffer, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?
    ) {
        var message = payload
        let length = message.readableBytes
        // FIN + opcode, MASK bit + length, then the (all-zero) masking key.
        var header: (UInt64, UInt64) = (0, 0)
        let headerLength = withUnsafeMutableBytes(of: &header) { raw -> Int in
            raw[0] = 0x80 | opcode
            var index: Int
            if length < 126 {
                raw[1] = 0x80 | UInt8(length)
                index = 2
            } else if length <= 0xFFFF {
                raw[1] = 0x80 | 126
                raw[2] = UInt8(length >> 8)
                raw[3] = UInt8(length & 0xFF)
                index = 4
            } else {
                raw[1] = 0x80 | 127
                for shift in 0..<8 { raw[2 + shift] = UInt8((UInt64(length) >> (56 - 8 * UInt64(shift))) & 0xFF) }
                index = 10
            }
            index += 4  // masking key: zeros already
            return index
        }
        withUnsafeBytes(of: &header) { raw in
            FrameHeadroom.prepend(UnsafeRawBufferPointer(rebasing: raw[0..<headerLength]), to: &message)
        }
        context.write(self.wrapOutboundOut(message), promise: promise)
    }
}

@available(*, unavailable)
extension WebSocketClientHandler: Sendable {}
