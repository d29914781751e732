import FuzzSupport
import WAMPCore

/// libFuzzer entry point: arbitrary bytes through the JSON decoder (see `fuzzSerializer`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzSerializer(JSONSerializer(), data, size)
    return 0
}
