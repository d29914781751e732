import WAMPCore

/// The registration meta events for callees on other nodes: every node fires them for the
/// registrations it mirrors, so a meta subscriber on any node sees the whole cluster's.
extension Realm {
    func announceRemoteRegistration(_ id: UInt64, callee: UInt64, created: Bool) {
        if created, let registration = self.dealer.registrations[id] {
            self.publishMetaEvent(
                MetaTopic.registrationOnCreate, args: [.uint(callee), .dict(Self.metaDetails(of: registration))])
        }
        self.publishMetaEvent(MetaTopic.registrationOnRegister, args: [.uint(callee), .uint(id)])
    }

    func announceRemoteUnregistration(_ id: UInt64, callee: UInt64, deleted: Bool) {
        self.publishMetaEvent(MetaTopic.registrationOnUnregister, args: [.uint(callee), .uint(id)])
        if deleted { self.publishMetaEvent(MetaTopic.registrationOnDelete, args: [.uint(callee), .uint(id)]) }
    }
}
