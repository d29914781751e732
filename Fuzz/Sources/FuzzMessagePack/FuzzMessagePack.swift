import FuzzSupport
import WAMPCore

/// libFuzzer entry point: arbitrary bytes through the MessagePack decoder (see `fuzzSerializer`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessagePack(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzSerializer(MessagePackSerializer(), data, size)
    return 0
}
