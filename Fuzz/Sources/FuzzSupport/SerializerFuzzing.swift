import WAMPCore

/// The property every decoder must have, checked on arbitrary bytes: decoding never crashes, and
/// whatever decodes re-encodes to bytes that decode again to the same value (NaN aside).
///
/// A violation is a bug, so it traps: libFuzzer then saves the input as a crasher.
public func fuzzSerializer(_ serializer: some WAMPSerializer, _ data: UnsafePointer<UInt8>, _ size: Int) {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let value = try? serializer.decode(bytes) else {
        return
    }
    let encoded = serializer.encode(value)
    let again: WAMPValue
    do {
        again = try serializer.decode(encoded)
    } catch {
        fatalError("\(serializer.kind): re-encoded value does not decode: \(error)")
    }
    if again != value && !value.containsNaN {
        fatalError("\(serializer.kind): round trip changed the value")
    }
    // Validation must never crash on any decoded value either.
    _ = try? WAMPMessage(from: value)
}

extension WAMPValue {
    /// NaN never equals itself, so round trips of values holding one are not compared.
    public var containsNaN: Bool {
        switch self {
        case .double(let d): return d.isNaN
        case .list(let items): return items.contains { $0.containsNaN }
        case .dict(let entries): return entries.values.contains { $0.containsNaN }
        default: return false
        }
    }
}
