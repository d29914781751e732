import JunctionRouter
import NIOCore
import RESPCore

/// Reads the stream read script's reply — `[epoch, current offset, [[id, [field, value, ...]], ...]]`
/// — into a `ClusterStreamRead`. Anything else throws (a foreign writer, another version): the
/// recovery is then answered as incomplete rather than guessed.
enum StreamReadReply {
    static func parse(_ reply: RESPValue) throws(ClusterFrameError) -> ClusterStreamRead {
        if let message = reply.errorMessage { throw ClusterFrameError(reason: "Redis: \(message)") }
        guard let parts = reply.elements, parts.count == 3, let epoch = parts[0].string, !epoch.isEmpty,
            let current = Self.offset(parts[1]), let entries = parts[2].elements
        else { throw ClusterFrameError(reason: "unexpected stream read reply") }
        return ClusterStreamRead(epoch: epoch, current: current, events: try Self.events(entries))
    }

    /// Reads the pattern read script's reply — `[epoch, [topic, current, [[id, [field, value, ...]],
    /// ...], ...]]` — into a `ClusterPatternRead`.
    static func parsePattern(_ reply: RESPValue) throws(ClusterFrameError) -> ClusterPatternRead {
        if let message = reply.errorMessage { throw ClusterFrameError(reason: "Redis: \(message)") }
        guard let parts = reply.elements, parts.count == 2, let epoch = parts[0].string, !epoch.isEmpty,
            let flat = parts[1].elements, flat.count % 3 == 0
        else { throw ClusterFrameError(reason: "unexpected pattern read reply") }
        var topics: [String: ClusterStreamRead] = [:]
        for index in stride(from: 0, to: flat.count, by: 3) {
            guard let topic = flat[index].string, let current = Self.offset(flat[index + 1]),
                let entries = flat[index + 2].elements
            else { throw ClusterFrameError(reason: "unexpected topic in pattern read reply") }
            topics[topic] = ClusterStreamRead(epoch: epoch, current: current, events: try Self.events(entries))
        }
        return ClusterPatternRead(epoch: epoch, topics: topics)
    }

    /// A current offset, as a decimal string or an integer; nil beyond what Redis can count.
    private static func offset(_ value: RESPValue) -> UInt64? {
        let offset = value.string.flatMap({ UInt64($0) }) ?? value.integer.map({ UInt64(clamping: $0) })
        return offset.flatMap { $0 <= StreamStamp.maxOffset ? $0 : nil }
    }

    /// A history's entries (`[[id, [field, value, ...]], ...]`), oldest first.
    private static func events(_ entries: [RESPValue]) throws(ClusterFrameError) -> [ClusterStreamEvent] {
        var events: [ClusterStreamEvent] = []
        events.reserveCapacity(entries.count)
        for entry in entries {
            guard let pair = entry.elements, pair.count == 2, let id = pair[0].string,
                let offset = id.split(separator: "-").first.flatMap({ UInt64($0) }), offset <= StreamStamp.maxOffset,
                let fields = pair[1].elements,
                fields.count % 2 == 0
            else { throw ClusterFrameError(reason: "unexpected history entry") }
            var timestamp: Int64?
            var order: UInt64?
            var frame: [UInt8]?
            for index in stride(from: 0, to: fields.count, by: 2) {
                switch fields[index].string {
                case "t"?: timestamp = fields[index + 1].string.flatMap { Int64($0) }
                case "n"?: order = fields[index + 1].string.flatMap { UInt64($0) }
                case "f"?:
                    if case .bulkString(let bytes?) = fields[index + 1] { frame = Array(buffer: bytes) }
                default: continue
                }
            }
            guard let timestamp, let frame else { throw ClusterFrameError(reason: "history entry misses t or f") }
            let publication = try ClusterPublication(bytes: frame)
            events.append(
                ClusterStreamEvent(
                    offset: offset, timestamp: timestamp, publication: publication.publication,
                    payload: publication.payload, options: publication.options, details: publication.details,
                    publisher: publication.publisher, order: order))
        }
        return events
    }
}
