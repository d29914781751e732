import WAMPCore

/// libFuzzer entry point: arbitrary bytes (as a string) through the RFC 3339 reader behind the
/// `*_time` filters of `wamp.subscription.get_events`. It must return a value or nil, never trap;
/// what it accepts must be stable under a second reading.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRFC3339(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let first = RFC3339.milliseconds(text) {
        precondition(RFC3339.milliseconds(text) == first)
    }
    return 0
}
