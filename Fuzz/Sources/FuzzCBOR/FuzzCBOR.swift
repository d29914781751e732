import FuzzSupport
import WAMPCore

/// libFuzzer entry point: arbitrary bytes through the CBOR decoder (see `fuzzSerializer`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCBOR(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzSerializer(CBORSerializer(), data, size)
    return 0
}
