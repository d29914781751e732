import JunctionRouter
import NIOCore
import RESPCore
import WAMPCore

/// The realms' way out: puts each publication of a local session that another node wants on this
/// node's ordered path — one EVALSHA that appends it to the node's stream and PUBLISHes it, queued
/// under the cluster lock so sequence order is wire order, and kept until Redis answers (resent
/// if the connection drops first).
final class ClusterLink: RealmClusterLink {
    private unowned let service: ClusterService

    init(service: ClusterService) {
        self.service = service
    }

    func realm(
        _ realm: String, published topic: String, publication: UInt64, payload: Payload, options: WAMPDict,
        details: WAMPDict, publisher: RemotePublisher
    ) {
        let service = self.service
        let configuration = service.configuration
        service.state.withLockedValue { state in
            guard state.interest.wants(realm: realm, topic: topic) else { return }
            guard let sha = state.scriptSHA, ClusterService.canPublish(state) else {
                state.counters.droppedWhileDisconnected += 1
                return
            }
            state.sequence += 1
            state.counters.published += 1
            let sequence = state.sequence
            let frame = ClusterPublication(
                sequence: sequence, realm: realm, topic: topic, publication: publication, payload: payload,
                options: options, details: details, publisher: publisher
            ).encoded()
            let command = RESPCommand(arguments: [
                ByteBuffer(string: "EVALSHA"), ByteBuffer(string: sha), ByteBuffer(string: "2"),
                ByteBuffer(string: service.keys.stream(node: configuration.node, epoch: service.epoch)),
                ByteBuffer(string: service.keys.eventChannel(node: configuration.node, epoch: service.epoch)),
                ByteBuffer(string: "\(sequence)-0"), ByteBuffer(bytes: frame),
                ByteBuffer(string: "\(configuration.streamLength)"),
                ByteBuffer(string: "\(configuration.evictAfterMilliseconds * 10)"),
            ])
            service.sendPublication(sequence, InFlightPublication(command: command, onReply: nil), state: &state)
        }
    }
}
