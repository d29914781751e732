import WAMPCore

extension Realm {
    func handleSubscribe(_ subscribe: WAMPMessage.Subscribe, from record: SessionRecord) {
        let match = subscribe.options["match"]?.stringValue.flatMap(MatchPolicy.init(rawValue:)) ?? .exact
        guard match == .exact else {
            self.reply(
                record, error: WAMPErrorURI.invalidArgument, to: .subscribe, request: subscribe.request,
                message: "pattern-based subscriptions are not supported")
            return
        }
        guard self.isValidURI(subscribe.topic, match: match) else {
            self.reply(
                record, error: WAMPErrorURI.invalidURI, to: .subscribe, request: subscribe.request,
                message: "invalid topic URI '\(subscribe.topic)'")
            return
        }
        guard record.role.allows(.subscribe, on: subscribe.topic) else {
            self.reply(record, error: WAMPErrorURI.notAuthorized, to: .subscribe, request: subscribe.request)
            return
        }
        let (id, _) = self.broker.subscribe(session: record.id, topic: subscribe.topic, match: match)
        record.subscriptions.insert(id)
        record.peer.send(.subscribed(.init(request: subscribe.request, subscription: id)))
    }

    func handleUnsubscribe(_ unsubscribe: WAMPMessage.Unsubscribe, from record: SessionRecord) {
        let (found, _) = self.broker.unsubscribe(session: record.id, subscription: unsubscribe.subscription)
        guard found else {
            self.reply(
                record, error: WAMPErrorURI.noSuchSubscription, to: .unsubscribe, request: unsubscribe.request)
            return
        }
        record.subscriptions.remove(unsubscribe.subscription)
        record.peer.send(.unsubscribed(.init(request: unsubscribe.request)))
    }

    func handlePublish(_ publish: WAMPMessage.Publish, from record: SessionRecord) {
        let acknowledge = publish.options["acknowledge"]?.boolValue ?? false
        guard self.isValidURI(publish.topic), !URIValidation.isReserved(publish.topic) else {
            if acknowledge {
                self.reply(
                    record, error: WAMPErrorURI.invalidURI, to: .publish, request: publish.request,
                    message: "invalid topic URI '\(publish.topic)'")
            }
            return
        }
        guard record.role.allows(.publish, on: publish.topic) else {
            if acknowledge {
                self.reply(record, error: WAMPErrorURI.notAuthorized, to: .publish, request: publish.request)
            }
            return
        }
        let publication = WAMPID.random()
        if let subscription = self.broker.subscription(forPublicationTo: publish.topic) {
            let excludeMe = publish.options["exclude_me"]?.boolValue ?? true
            let event = SharedMessage(
                .event(.init(subscription: subscription.id, publication: publication, details: [:], payload: publish.payload)))
            for subscriber in subscription.subscribers {
                if excludeMe && subscriber == record.id { continue }
                self.sessions[subscriber]?.peer.send(event)
            }
        }
        if acknowledge {
            record.peer.send(.published(.init(request: publish.request, publication: publication)))
        }
    }
}
