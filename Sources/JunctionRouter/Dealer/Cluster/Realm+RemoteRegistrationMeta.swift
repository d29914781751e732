import WAMPCore

/// Registration meta events for callees on other nodes. Their own node raises them for the whole
/// cluster (meta events cross like any publication); only when a node is gone, and cannot, does
/// each surviving node raise `on_unregister`/`on_delete` for its own subscribers.
extension Realm {
    func announceRemoteUnregistration(_ id: UInt64, callee: UInt64, deleted: Bool) {
        self.publishLocalMetaEvent(MetaTopic.registrationOnUnregister, args: [.uint(callee), .uint(id)])
        if deleted { self.publishLocalMetaEvent(MetaTopic.registrationOnDelete, args: [.uint(callee), .uint(id)]) }
    }
}
