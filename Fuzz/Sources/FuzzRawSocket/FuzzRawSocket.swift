import NIOCore
import WAMPCore

@testable import JunctionTransport

/// libFuzzer entry point: the RawSocket opening handshake and frame parser on arbitrary bytes.
///
/// Byte 0 picks how the stream is cut into reads (to exercise resumable parsing); the rest is
/// the client's byte stream: handshake first, then frames, each WAMP frame decoded as the
/// connection would. Also checks the parser never returns more than it was allowed to.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRawSocket(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else {
        return 0
    }
    let chunk = Int(data[0] % 16) + 1
    let stream = UnsafeBufferPointer(start: data + 1, count: size - 1)
    var handshake = RawSocketHandshakeStateMachine(
        configuration: RawSocketConfiguration(maxMessageLength: 1 << 12, serializers: [.json, .msgpack, .cbor]),
        connectionLimitReached: false
    )
    var parser: RawSocketFrameParser?
    var connection: RawSocketConnectionStateMachine?
    var pending = ByteBuffer()
    var offset = 0
    while offset < stream.count {
        let end = min(offset + chunk, stream.count)
        pending.writeBytes(UnsafeBufferPointer(rebasing: stream[offset..<end]))
        offset = end
        if parser == nil {
            switch handshake.bytesReceived(&pending) {
            case .needMoreData, .none:
                continue
            case .reject, .close:
                return 0
            case .accept(_, let negotiated):
                parser = RawSocketFrameParser(maxPayloadLength: negotiated.maxMessageLength)
                connection = RawSocketConnectionStateMachine(
                    serializer: negotiated.serializer,
                    peerMaxMessageLength: negotiated.peerMaxMessageLength
                )
            }
        }
        while parser != nil {
            let step: RawSocketFrameParser.ParseResult
            do {
                step = try parser!.parseStep(&pending)
            } catch {
                return 0
            }
            switch step {
            case .insufficientData:
                break
            case .continueParsing:
                continue
            case .result(let frame):
                precondition(frame.payload.readableBytes <= parser!.maxPayloadLength, "frame over the limit")
                _ = connection!.frameReceived(frame)
                continue
            }
            break
        }
    }
    return 0
}
