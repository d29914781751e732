import JunctionRouter
import WAMPCore

/// What a node announces of its registrations (under its registry key in Redis, with a TTL): its
/// epoch on the first line, then one line per callee of a registration, tab-separated:
/// `realm registration match invoke callee features disclose_caller procedure`. URIs contain no
/// whitespace, so no escaping is needed; a malformed line is skipped and counted, never trusted.
public struct ClusterRegistrationList: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var realm: String
        public var registration: RemoteRegistration

        public init(realm: String, registration: RemoteRegistration) {
            self.realm = realm
            self.registration = registration
        }
    }

    public var epoch: UInt64
    public var entries: [Entry]

    public init(epoch: UInt64, entries: [Entry]) {
        self.epoch = epoch
        self.entries = entries
    }

    /// Sorted, so an unchanged list encodes to the same text (the node rewrites it only on change).
    public var encoded: String {
        var lines = ["\(self.epoch)"]
        for entry in self.entries {
            let r = entry.registration
            lines.append(
                [
                    entry.realm, "\(r.registration)", r.match.rawValue, r.invoke.rawValue, "\(r.callee)",
                    "\(r.features)", r.discloseCaller ? "1" : "0", r.procedure,
                ].joined(separator: "\t"))
        }
        lines[1...].sort()
        return lines.joined(separator: "\n")
    }

    /// `nil` when the first line is not an epoch; `rejected` counts malformed lines.
    public static func decode(_ text: String) -> (list: ClusterRegistrationList?, rejected: Int) {
        // Split on the LF scalar, as `InterestIndex.decode` does (a CR before it is not a break).
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: true).map(Substring.init)
        guard let first = lines.first, let epoch = UInt64(first) else { return (nil, lines.isEmpty ? 0 : 1) }
        var entries: [Entry] = []
        var rejected = 0
        for line in lines.dropFirst() {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count == 8, !parts[0].isEmpty, let registration = UInt64(parts[1]),
                let match = MatchPolicy(rawValue: String(parts[2])),
                let invoke = InvocationPolicy(rawValue: String(parts[3])), let callee = UInt64(parts[4]),
                let features = UInt16(parts[5]), parts[6] == "0" || parts[6] == "1", !parts[7].isEmpty
            else {
                rejected += 1
                continue
            }
            entries.append(
                Entry(
                    realm: String(parts[0]),
                    registration: RemoteRegistration(
                        registration: registration, procedure: String(parts[7]), match: match, invoke: invoke,
                        callee: callee, features: features, discloseCaller: parts[6] == "1")))
        }
        return (ClusterRegistrationList(epoch: epoch, entries: entries), rejected)
    }
}
