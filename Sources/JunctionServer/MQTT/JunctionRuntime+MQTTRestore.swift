import JunctionMQTT
import JunctionRouter
import NIOCore

/// Persistent MQTT sessions left on durable storage rejoin their realm when the first MQTT
/// listener of that realm starts (TCP or WebSocket `/mqtt`), so they queue what is published
/// before their clients are back.
extension JunctionRuntime {
    /// Rejoins the stored sessions of `context`'s realm (once: later listeners of the realm find
    /// none left); the future completes when they own their client ids. Nil: nothing to rejoin.
    @discardableResult
    func rejoinStoredMQTTSessions(_ context: MQTTConnectionContext) -> EventLoopFuture<Int>? {
        MQTTConnectionHandler.rejoinStoredSessions(
            realm: self.router.realm(named: context.endpoint.realm),
            context: context,
            nowWall: WallClock.system.now()
        )
    }
}
