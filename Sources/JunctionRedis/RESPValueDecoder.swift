import NIOCore
import RESPCore

/// Glue between NIO's decoder machinery and `RESPParser`: one `RESPValue` per complete value.
struct RESPValueDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue

    private var parser: RESPParser

    init(limits: RESPParser.Limits) {
        self.parser = RESPParser(limits: limits)
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        switch try self.parser.parseStep(&buffer) {
        case .insufficientData:
            return .needMoreData
        case .result(let value):
            context.fireChannelRead(Self.wrapInboundOut(value))
            return .continue
        }
    }

    mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while case .continue = try self.decode(context: context, buffer: &buffer) {}
        return .needMoreData
    }
}
