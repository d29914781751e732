import JunctionRouter
import NIOCore
import RESPCore
import WAMPCore

/// The realms' way to the cluster's streams and retained events: retained and history
/// publications go on this node's ordered path (the same sequence and connection as every other
/// publication, so per-publisher order holds across nodes) through the stream publish script, to
/// every node whatever its interest; `_recover` reads go through the read script.
final class ClusterStreamLink: RealmStreamLink {
    private unowned let service: ClusterService
    /// Offered as a realm's epoch when Redis has none yet (the first publication or read after
    /// Redis lost its data).
    private let epochCandidate = RealmSnapshot.newEpoch()

    init(service: ClusterService) {
        self.service = service
    }

    func realm(
        _ realm: String, publishedToStream topic: String, publication: UInt64, payload: Payload, options: WAMPDict,
        details: WAMPDict, publisher: RemotePublisher, history: ClusterHistoryLimits?, retain: Bool,
        completion: @escaping @Sendable (Result<StreamPosition?, any Error>) -> Void
    ) -> Bool {
        let service = self.service
        let configuration = service.configuration
        let keys = service.keys
        let wallNow = WallClock.system.now()
        return service.state.withLockedValue { state in
            guard let sha = state.streamScripts?.publish, ClusterService.canPublish(state) else {
                state.counters.droppedWhileDisconnected += 1
                return false
            }
            state.sequence += 1
            state.counters.published += 1
            let sequence = state.sequence
            let frame = ClusterPublication(
                sequence: sequence, realm: realm, topic: topic, publication: publication, payload: payload,
                options: options, details: details, publisher: publisher
            ).encoded()
            let arguments: [String] = [
                "EVALSHA", sha, "7",
                keys.stream(node: configuration.node, epoch: service.epoch),
                keys.eventChannel(node: configuration.node, epoch: service.epoch),
                keys.streamEpoch(realm: realm), keys.streamOffsets(realm: realm),
                keys.topicHistory(realm: realm, topic: topic), keys.retained(realm: realm),
                keys.streamOrder(realm: realm), "\(sequence)-0",
            ]
            var buffers = arguments.map { ByteBuffer(string: $0) }
            buffers.append(ByteBuffer(bytes: frame))
            for argument in [
                "\(configuration.streamLength)", "\(configuration.evictAfterMilliseconds * 10)", topic,
                self.epochCandidate, history == nil ? "0" : "1", "\(history?.maxLength ?? 0)",
                "\((history?.maxAgeSeconds ?? 0) * 1000)", retain ? "1" : "0", "\(wallNow)",
            ] {
                buffers.append(ByteBuffer(string: argument))
            }
            let onReply: @Sendable (Result<RESPValue, any Error>) -> Void = { result in
                switch result {
                case .success(let reply):
                    if let message = reply.errorMessage {
                        service.logger.error(
                            "cluster: the stream publish script failed",
                            metadata: ["topic": "\(topic)", "sequence": "\(sequence)", "error": "\(message)"])
                        completion(.failure(ClusterFrameError(reason: message)))
                        return
                    }
                    let position: StreamPosition?
                    do {
                        let stamp = Array((reply.string ?? "").utf8)
                        position = stamp.isEmpty ? nil : try StreamStamp.split(stamp).position
                    } catch {
                        completion(.failure(error))
                        return
                    }
                    guard let position else {
                        completion(.success(nil))
                        return
                    }
                    // Local delivery in the topic's offset order too: after an earlier offset
                    // another node published, should its frame still be on the way.
                    service.state.withLockedValue { state in
                        service.merge(
                            [.init(
                                frame: .own({ completion(.success(position)) }),
                                stream: (.init(realm: realm, topic: topic), position))],
                            from: service.ownSource, state: &state)
                    }
                case .failure(let error):
                    service.logger.warning(
                        "cluster: a stream publication did not reach Redis; receivers will see a gap",
                        metadata: ["sequence": "\(sequence)", "error": "\(error)"])
                    completion(.failure(error))
                }
            }
            service.sendPublication(
                sequence, InFlightPublication(command: RESPCommand(arguments: buffers), onReply: onReply),
                state: &state)
            return true
        }
    }

    func realm(
        _ realm: String, readStream topic: String, after offset: UInt64,
        completion: @escaping @Sendable (Result<ClusterStreamRead, any Error>) -> Void
    ) -> Bool {
        let service = self.service
        let keys = service.keys
        let reply: EventLoopFuture<RESPValue>? = service.state.withLockedValue { state in
            guard let commands = state.commands, let sha = state.streamScripts?.read else { return nil }
            return commands.sendWithoutWaiting(
                RESPCommand(
                    "EVALSHA", sha, "3", keys.streamEpoch(realm: realm), keys.streamOffsets(realm: realm),
                    keys.topicHistory(realm: realm, topic: topic), topic, Self.firstID(after: offset),
                    self.epochCandidate))
        }
        guard let reply else { return false }
        Self.complete(reply, service: service, parse: { try StreamReadReply.parse($0) }, completion: completion)
        return true
    }

    func realm(
        _ realm: String, readStreamsMatching pattern: String, match: MatchPolicy, after offsets: [String: UInt64],
        completion: @escaping @Sendable (Result<ClusterPatternRead, any Error>) -> Void
    ) -> Bool {
        let service = self.service
        let keys = service.keys
        let reply: EventLoopFuture<RESPValue>? = service.state.withLockedValue { state in
            guard let commands = state.commands, let sha = state.streamScripts?.patternRead else { return nil }
            var arguments = [
                "EVALSHA", sha, "2", keys.streamEpoch(realm: realm), keys.streamOffsets(realm: realm),
                self.epochCandidate, keys.topicHistoryPrefix(realm: realm), match.rawValue, pattern,
            ]
            for (topic, offset) in offsets {
                arguments.append(topic)
                arguments.append(Self.firstID(after: offset))
            }
            return commands.sendWithoutWaiting(RESPCommand(arguments: arguments.map { ByteBuffer(string: $0) }))
        }
        guard let reply else { return false }
        Self.complete(reply, service: service, parse: { try StreamReadReply.parsePattern($0) }, completion: completion)
        return true
    }

    /// Hands `reply`, parsed by `parse`, to `completion`; an answer counts as progress on the connection.
    private static func complete<Read: Sendable>(
        _ reply: EventLoopFuture<RESPValue>, service: ClusterService,
        parse: @escaping @Sendable (RESPValue) throws -> Read,
        completion: @escaping @Sendable (Result<Read, any Error>) -> Void
    ) {
        reply.whenComplete { result in
            switch result {
            case .success(let value):
                service.madeProgress()
                completion(Result { try parse(value) })
            case .failure(let error):
                completion(.failure(error))
            }
        }
    }

    /// The smallest entry id after `offset` (entries are `<offset>-0`): `<offset>-1`, which needs
    /// no arithmetic that a client's huge offset could overflow.
    static func firstID(after offset: UInt64) -> String { "\(offset)-1" }
}
