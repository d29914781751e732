import WAMPCore

/// libFuzzer entry point: WAMP message validation on decoded values.
///
/// The first byte picks the serializer; the rest is decoded with it and, when it decodes, turned
/// into a `WAMPMessage`. A valid message must re-encode and validate again to the same message,
/// which checks that validation accepts exactly what encoding produces.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessageValidation(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else {
        return 0
    }
    let kinds = SerializerKind.allCases
    let serializer = kinds[Int(data[0]) % kinds.count].serializer
    let bytes = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    guard let message = try? WAMPMessage(bytes: bytes, serializer: serializer) else {
        return 0
    }
    let encoded = serializer.encode(message.wireValue)
    do {
        _ = try WAMPMessage(bytes: encoded, serializer: serializer)
    } catch {
        fatalError("a validated message no longer validates after encoding: \(error)")
    }
    return 0
}
