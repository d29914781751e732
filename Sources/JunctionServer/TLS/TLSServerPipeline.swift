import Logging
import NIOCore
import NIOSSL
import NIOTLS  // TLSUserEvent (a dependency of NIOSSL)

extension ChannelPipeline.SynchronousOperations {
    /// Puts TLS in front of the transport handlers of a freshly accepted connection when the
    /// listener has a context; does nothing otherwise. Call first in `childChannelInitializer`.
    func addTLSServerHandlers(_ sslContext: NIOSSLContext?, logger: Logger) throws {
        guard let sslContext else { return }
        try self.addHandler(TLSRecordCheckHandler())
        try self.addHandler(NIOSSLServerHandler(context: sslContext))
        try self.addHandler(TLSHandshakeLogHandler(logger: logger))
    }
}

/// A connection whose first byte cannot start a TLS handshake.
struct NotTLSError: Error, CustomStringConvertible {
    var firstByte: UInt8
    var description: String {
        "not a TLS ClientHello (first byte 0x\(String(self.firstByte, radix: 16))); a plain-text client?"
    }
}

/// Looks at the first byte a client sends: a TLS connection starts with a handshake record
/// (content type 22). Anything else, such as the RawSocket handshake (`0x7F`) or an HTTP request
/// of a plain client, fails the connection at once (`NotTLSError`, logged by
/// `TLSHandshakeLogHandler`); BoringSSL would otherwise wait for a full record header, leaving a
/// 4-byte RawSocket handshake hanging. Removes itself after that byte.
final class TLSRecordCheckHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = Self.unwrapInboundIn(data)
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else {
            context.fireChannelRead(data)
            return
        }
        guard first == 22 else {
            context.fireErrorCaught(NotTLSError(firstByte: first))
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// Sits right behind `NIOSSLServerHandler`. A failed handshake (untrusted or
/// missing client certificate, protocol mismatch) is logged as a warning with the peer address
/// and not passed on: `NIOSSLServerHandler` closes that one connection and the transport handlers
/// never see TLS errors. After the handshake it only turns the unclean-shutdown error of a peer
/// that closed TCP without `close_notify` (common and harmless) into a debug message.
final class TLSHandshakeLogHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let logger: Logger
    private var handshakeCompleted = false
    private var failureLogged = false

    init(logger: Logger) {
        self.logger = logger
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent {
            self.handshakeCompleted = true
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !self.handshakeCompleted {
            // Only the first error: the cause. Closing mid-handshake adds an EOF error after it.
            if !self.failureLogged {
                self.failureLogged = true
                self.logger.warning(
                    "TLS handshake failed, closing",
                    metadata: ["peer": "\(Self.peer(context.channel.remoteAddress))", "error": "\(error)"])
            }
            context.close(promise: nil)
            return
        }
        if case .uncleanShutdown? = error as? NIOSSLError {
            self.logger.debug(
                "TLS peer closed without close_notify", metadata: ["peer": "\(Self.peer(context.channel.remoteAddress))"])
            return
        }
        context.fireErrorCaught(error)
    }

    private static func peer(_ address: SocketAddress?) -> String {
        guard let address else { return "unknown" }
        switch address {
        case .v4: return "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
        case .v6: return "[\(address.ipAddress ?? "?")]:\(address.port ?? 0)"
        case .unixDomainSocket: return "unix"
        }
    }
}
