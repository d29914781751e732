import NIOCore

@testable import RESPCore

/// libFuzzer entry point: the RESP parser and the Redis connection state machine on arbitrary bytes.
///
/// Byte 0 picks how the stream is cut into reads (to exercise resumable parsing); the rest is what
/// a server sends. Every value parsed must encode, and its encoding must parse back to a value
/// with the same encoding. Each value is also fed to a connection state machine as the server's
/// reply, with commands (some of them subscriptions) sent between replies.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRESP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else {
        return 0
    }
    let chunk = Int(data[0] % 16) + 1
    let stream = UnsafeBufferPointer(start: data + 1, count: size - 1)
    let limits = RESPParser.Limits(
        maxBulkLength: 1 << 12,
        maxAggregateLength: 256,
        maxDepth: 16,
        maxLineLength: 1 << 10
    )
    var parser = RESPParser(limits: limits)
    var machine = RedisConnectionStateMachine<Int>(
        configuration: RedisHandshakeConfiguration(password: "pw")
    )
    _ = machine.connected()
    var request = 0
    var pending = ByteBuffer()
    var offset = 0
    while offset < stream.count {
        let end = min(offset + chunk, stream.count)
        pending.writeBytes(UnsafeBufferPointer(rebasing: stream[offset..<end]))
        offset = end
        while true {
            let step: RESPParser.ParseResult
            do {
                step = try parser.parseStep(&pending)
            } catch {
                _ = machine.parsingFailed(error)
                return 0
            }
            guard case .result(let value) = step else {
                break
            }
            checkRoundTrip(value, limits: limits)
            if case .closeAndFail = machine.receivedValue(value) {
                return 0
            }
            request += 1
            let command: RESPCommand
            switch request % 4 {
            case 0: command = RESPCommand("SUBSCRIBE", "a", "b")
            case 1: command = RESPCommand("UNSUBSCRIBE")
            case 2: command = RESPCommand("PSUBSCRIBE", "n*")
            default: command = RESPCommand("GET", "k")
            }
            _ = machine.sendCommand(command, request: request)
        }
    }
    return 0
}

private func checkRoundTrip(_ value: RESPValue, limits: RESPParser.Limits) {
    var encoded = ByteBuffer()
    do {
        try encoded.writeRESPValue(value)
    } catch {
        preconditionFailure("a parsed value does not encode: \(error)")
    }
    var parser = RESPParser(limits: limits)
    var copy = encoded
    guard case .result(let reparsed)? = try? parser.parseStep(&copy), copy.readableBytes == 0 else {
        preconditionFailure("an encoded value does not parse back in one piece")
    }
    var again = ByteBuffer()
    try? again.writeRESPValue(reparsed)
    precondition(again == encoded, "re-encoding changed the bytes")
}
