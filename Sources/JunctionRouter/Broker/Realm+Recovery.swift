import WAMPCore

extension Realm {
    /// Decides `SUBSCRIBE.Options._recover`: the missed events, or nil after answering ERROR
    /// (`invalid_argument` for a malformed option, `junction.error.recovery_incomplete` with the
    /// current positions when something is no longer kept). Nothing is subscribed on an error.
    func recoverEvents(
        _ option: WAMPValue, for subscribe: WAMPMessage.Subscribe, match: MatchPolicy, from record: SessionRecord
    ) -> [EventHistory.Entry]? {
        guard let request = RecoveryRequest(option, match: match) else {
            let shape = match == .exact ? "{offset, epoch}" : "{positions: {topic: {offset, epoch}}}"
            self.logger.debug(
                "SUBSCRIBE refused: malformed _recover",
                metadata: ["session": "\(record.id)", "topic": "\(subscribe.topic)", "expected": "\(shape)"])
            self.reply(
                record, error: WAMPErrorURI.invalidArgument, to: .subscribe, request: subscribe.request,
                message: "_recover must be \(shape)")
            return nil
        }
        switch self.history.recover(request, pattern: subscribe.topic, match: match, now: self.clock.now()) {
        case .recovered(let events):
            return events
        case .incomplete(let current):
            self.refuseRecovery(of: subscribe, from: record, current: current)
            return nil
        }
    }

    /// Sends recovered events as EVENTs of `subscription`, marked `_recovered`, skipping those the
    /// subscriber may not receive (it would not have received them live either).
    func sendRecoveredEvents(
        _ events: [EventHistory.Entry], subscription: UInt64, match: MatchPolicy, to record: SessionRecord
    ) {
        for entry in events where entry.filter.admits(session: record.id, authid: record.authid, authrole: record.authrole)
        {
            var details = entry.details
            details["_recovered"] = true
            if match != .exact { details["topic"] = .string(entry.topic) }
            record.peer.send(
                .event(
                    .init(
                        subscription: subscription, publication: entry.publication, details: details,
                        payload: entry.payload)))
        }
    }

    /// Answers a `_recover` SUBSCRIBE with `junction.error.recovery_incomplete`, Details `current`
    /// (the positions the router holds now); nothing is subscribed.
    func refuseRecovery(
        of subscribe: WAMPMessage.Subscribe, from record: SessionRecord, current: WAMPDict,
        message: String = "the events after the given position are no longer all kept"
    ) {
        self.logger.debug("recovery incomplete", metadata: ["session": "\(record.id)", "topic": "\(subscribe.topic)"])
        record.peer.send(
            .error(
                .init(
                    requestType: .subscribe, request: subscribe.request, details: current,
                    error: WAMPErrorURI.recoveryIncomplete, payload: .init(args: [.string(message)]))))
    }
}
