extension WAMPMessage {
    /// The message as the list a serializer writes: `[Type|int, ...]`.
    public var wireValue: WAMPValue {
        var e: [WAMPValue] = [.uint(self.type.rawValue)]
        switch self {
        case .hello(let m):
            e += [.string(m.realm), .dict(m.details)]
        case .welcome(let m):
            e += [.id(m.session), .dict(m.details)]
        case .abort(let m):
            e += [.dict(m.details), .string(m.reason)]
        case .challenge(let m):
            e += [.string(m.authMethod), .dict(m.extra)]
        case .authenticate(let m):
            e += [.string(m.signature), .dict(m.extra)]
        case .goodbye(let m):
            e += [.dict(m.details), .string(m.reason)]
        case .error(let m):
            e += [.uint(m.requestType.rawValue), .id(m.request), .dict(m.details), .string(m.error)]
            m.payload.append(to: &e)
        case .publish(let m):
            e += [.id(m.request), .dict(m.options), .string(m.topic)]
            m.payload.append(to: &e)
        case .published(let m):
            e += [.id(m.request), .id(m.publication)]
        case .subscribe(let m):
            e += [.id(m.request), .dict(m.options), .string(m.topic)]
        case .subscribed(let m):
            e += [.id(m.request), .id(m.subscription)]
        case .unsubscribe(let m):
            e += [.id(m.request), .id(m.subscription)]
        case .unsubscribed(let m):
            e.append(.id(m.request))
            if let details = m.details { e.append(.dict(details)) }
        case .event(let m):
            e += [.id(m.subscription), .id(m.publication), .dict(m.details)]
            m.payload.append(to: &e)
        case .eventReceived(let m):
            e.append(.id(m.publication))
            if m.details != nil || m.payload != .empty {
                e.append(.dict(m.details ?? [:]))
                m.payload.append(to: &e)
            }
        case .call(let m):
            e += [.id(m.request), .dict(m.options), .string(m.procedure)]
            m.payload.append(to: &e)
        case .cancel(let m):
            e += [.id(m.request), .dict(m.options)]
        case .result(let m):
            e += [.id(m.request), .dict(m.details)]
            m.payload.append(to: &e)
        case .register(let m):
            e += [.id(m.request), .dict(m.options), .string(m.procedure)]
        case .registered(let m):
            e += [.id(m.request), .id(m.registration)]
        case .unregister(let m):
            e += [.id(m.request), .id(m.registration)]
        case .unregistered(let m):
            e.append(.id(m.request))
            if let details = m.details { e.append(.dict(details)) }
        case .invocation(let m):
            e += [.id(m.request), .id(m.registration), .dict(m.details)]
            m.payload.append(to: &e)
        case .interrupt(let m):
            e += [.id(m.request), .dict(m.options)]
        case .yield(let m):
            e += [.id(m.request), .dict(m.options)]
            m.payload.append(to: &e)
        }
        return .list(e)
    }

    /// Serializes the message with `serializer`.
    public func encoded(with serializer: some WAMPSerializer) -> [UInt8] {
        serializer.encode(self.wireValue)
    }
}
