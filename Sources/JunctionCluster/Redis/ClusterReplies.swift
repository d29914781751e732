import NIOCore
import RESPCore

/// Reads the replies of the Redis commands whose values other nodes wrote (a source's stream, the
/// retained hash, the stream offsets). Kept apart from the service so the fuzz target can feed
/// them arbitrary replies: anything that does not decode is skipped and counted, never trusted.
enum ClusterReplies {
    /// An XRANGE reply of a source's stream — `[[id, [field, frame]], ...]` — as publications in
    /// stream order; `rejected` counts entries that are not one well-formed frame.
    static func streamPublications(_ reply: RESPValue) -> (publications: [ClusterPublication], rejected: Int) {
        var publications: [ClusterPublication] = []
        var rejected = 0
        for entry in reply.elements ?? [] {
            guard let parts = entry.elements, parts.count == 2, let fields = parts[1].elements,
                fields.count == 2, case .bulkString(let bytes?) = fields[1],
                let publication = try? ClusterPublication(bytes: Array(buffer: bytes))
            else {
                rejected += 1
                continue
            }
            publications.append(publication)
        }
        return (publications, rejected)
    }

    /// An HGETALL reply of a realm's retained hash (a flat `[topic, frame, ...]` array): the
    /// publications it holds; `rejected` counts values that do not decode.
    static func retainedPublications(_ reply: RESPValue) -> (publications: [ClusterPublication], rejected: Int) {
        let values = reply.elements ?? []
        var publications: [ClusterPublication] = []
        var rejected = 0
        for index in stride(from: 1, to: values.count, by: 2) {
            guard case .bulkString(let bytes?) = values[index],
                let publication = try? ClusterPublication(bytes: Array(buffer: bytes))
            else {
                rejected += 1
                continue
            }
            publications.append(publication)
        }
        return (publications, rejected)
    }

    /// An HGETALL reply of a realm's stream offsets (a flat `[topic, offset, ...]` array); pairs
    /// that are not a topic and a decimal offset Redis can count are skipped.
    static func streamOffsets(_ reply: RESPValue) -> [String: UInt64] {
        let values = reply.elements ?? []
        var offsets: [String: UInt64] = [:]
        for index in stride(from: 1, to: values.count, by: 2) {
            guard let topic = values[index - 1].string, let offset = values[index].string.flatMap({ UInt64($0) }),
                offset <= StreamStamp.maxOffset
            else { continue }
            offsets[topic] = offset
        }
        return offsets
    }
}
