import JunctionRouter
import WAMPCore

/// A kept event's variable part (details, payload, readers) as one MessagePack blob, so a
/// transparent payload keeps its bytes and every value type round-trips.
enum StoredEventCodec {
    private static let serializer = MessagePackSerializer()

    static func encode(_ event: StoredEvent) -> [UInt8] {
        let payload: WAMPValue
        switch event.payload {
        case .values(let args, let kwargs):
            payload = .list([args.map { .list($0) } ?? .null, kwargs.map { .dict($0) } ?? .null])
        case .transparent(let bytes):
            payload = .binary(bytes)
        }
        return self.serializer.encode(.list([.dict(event.details), payload, .dict(event.readers)]))
    }

    /// The blob's parts, or nil when it is not one this codec wrote.
    static func decode(_ bytes: [UInt8]) -> (details: WAMPDict, payload: Payload, readers: WAMPDict)? {
        guard let value = try? self.serializer.decode(bytes), let parts = value.listValue, parts.count == 3,
            let details = parts[0].dictValue, let readers = parts[2].dictValue
        else { return nil }
        let payload: Payload
        switch parts[1] {
        case .binary(let bytes):
            payload = .transparent(bytes)
        case .list(let values) where values.count == 2:
            payload = .values(args: values[0].listValue, kwargs: values[1].dictValue)
        default:
            return nil
        }
        return (details, payload, readers)
    }
}
