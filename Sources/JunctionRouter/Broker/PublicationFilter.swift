import WAMPCore

/// Who may receive a publication: subscriber black- and whitelisting (`exclude`,
/// `exclude_authid`, `exclude_authrole`, `eligible`, `eligible_authid`, `eligible_authrole`) and
/// publisher exclusion, per the spec's "Subscriber Black- and Whitelisting".
///
/// A receiver must pass every whitelist that is given (they intersect) and be on no blacklist
/// (they unite); the blacklist wins over the whitelist.
struct PublicationFilter: Sendable, Hashable {
    var exclude: Set<UInt64> = []
    var excludeAuthid: Set<String> = []
    var excludeAuthrole: Set<String> = []
    var eligible: Set<UInt64>?
    var eligibleAuthid: Set<String>?
    var eligibleAuthrole: Set<String>?
    /// Whether the publisher named sessions by id (`exclude`, `eligible`): such events are kept
    /// out of the event history, whose readers have other session ids (the spec's security note).
    private(set) var namesSessions = false

    /// Reads the options of a PUBLISH (types were checked on decode). With `excludeMe`, the
    /// publisher itself is excluded.
    init(options: WAMPDict, publisher: UInt64?, excludeMe: Bool) {
        func ids(_ key: String) -> Set<UInt64>? {
            options[key]?.listValue.map { Set($0.compactMap(\.unsignedInteger)) }
        }
        func strings(_ key: String) -> Set<String>? {
            options[key]?.listValue.map { Set($0.compactMap(\.stringValue)) }
        }
        self.exclude = ids("exclude") ?? []
        self.excludeAuthid = strings("exclude_authid") ?? []
        self.excludeAuthrole = strings("exclude_authrole") ?? []
        self.eligible = ids("eligible")
        self.eligibleAuthid = strings("eligible_authid")
        self.eligibleAuthrole = strings("eligible_authrole")
        self.namesSessions = options["exclude"] != nil || options["eligible"] != nil
        if excludeMe, let publisher { self.exclude.insert(publisher) }
    }

    init() {}

    /// A kept event's readers (`StoredEvent.readers`).
    init(readers: WAMPDict) {
        self.init(options: readers, publisher: nil, excludeMe: false)
    }

    /// The time-stable part of the filter, as PUBLISH options: what a store keeps.
    var readerOptions: WAMPDict {
        var options: WAMPDict = [:]
        func strings(_ set: Set<String>) -> WAMPValue { .list(set.sorted().map { .string($0) }) }
        if !self.excludeAuthid.isEmpty { options["exclude_authid"] = strings(self.excludeAuthid) }
        if !self.excludeAuthrole.isEmpty { options["exclude_authrole"] = strings(self.excludeAuthrole) }
        if let eligible = self.eligibleAuthid { options["eligible_authid"] = strings(eligible) }
        if let eligible = self.eligibleAuthrole { options["eligible_authrole"] = strings(eligible) }
        return options
    }

    var isOpen: Bool {
        self.exclude.isEmpty && self.excludeAuthid.isEmpty && self.excludeAuthrole.isEmpty && self.eligible == nil
            && self.eligibleAuthid == nil && self.eligibleAuthrole == nil
    }

    func admits(session: UInt64, authid: String, authrole: String) -> Bool {
        if self.exclude.contains(session) || self.excludeAuthid.contains(authid)
            || self.excludeAuthrole.contains(authrole)
        {
            return false
        }
        if let eligible = self.eligible, !eligible.contains(session) { return false }
        if let eligible = self.eligibleAuthid, !eligible.contains(authid) { return false }
        if let eligible = self.eligibleAuthrole, !eligible.contains(authrole) { return false }
        return true
    }

    /// For history readers: only the time-stable attributes (authid, authrole) count.
    func admitsReader(authid: String, authrole: String) -> Bool {
        if self.excludeAuthid.contains(authid) || self.excludeAuthrole.contains(authrole) { return false }
        if let eligible = self.eligibleAuthid, !eligible.contains(authid) { return false }
        if let eligible = self.eligibleAuthrole, !eligible.contains(authrole) { return false }
        return true
    }
}

/// The last event published with `retain: true` on a topic.
struct RetainedEvent {
    let topic: String
    let publication: UInt64
    /// EVENT details shared by every receiver (publisher disclosure, trust level, ppt options).
    let details: WAMPDict
    let payload: Payload
    let filter: PublicationFilter
}
