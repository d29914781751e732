import JunctionRedis
import NIOCore
import RESPCore

/// A publication on the ordered path, kept until its script answers (`InFlightWindow`).
struct InFlightPublication: Sendable {
    let command: RESPCommand
    /// What the reply (or giving up) means to the realm, for a retained or history publication;
    /// nil for a plain one (nothing waits for it on this node).
    let onReply: (@Sendable (Result<RESPValue, any Error>) -> Void)?
}

extension ClusterService {
    /// Whether a publication can go on the ordered path now: connected, or reconnecting after a
    /// drop (it is then held and sent first on the new connection).
    static func canPublish(_ state: ClusterState) -> Bool {
        state.commands != nil || state.inFlight.isHolding
    }

    /// Sends publication `sequence` on the ordered path (or holds it while reconnecting) and keeps
    /// it until Redis answers, to be resent if the connection drops first. Called under the lock,
    /// so sequence order is wire order.
    func sendPublication(_ sequence: UInt64, _ publication: InFlightPublication, state: inout ClusterState) {
        guard let commands = state.commands else {
            state.inFlight.hold(sequence, publication)
            return
        }
        state.inFlight.sent(sequence, publication)
        self.transmit(sequence, publication.command, on: commands)
    }

    private func transmit(_ sequence: UInt64, _ command: RESPCommand, on commands: RedisConnection) {
        commands.sendWithoutWaiting(command).whenComplete { result in
            // A failure means the connection closed: the publication waits for the next one.
            guard case .success(let reply) = result else { return }
            self.madeProgress()
            guard let publication = self.state.withLockedValue({ $0.inFlight.answered(sequence) }) else { return }
            if let onReply = publication.onReply {
                onReply(.success(reply))
            } else if let message = reply.errorMessage {
                self.logger.error(
                    "cluster: the publish script failed; receivers will see a gap",
                    metadata: ["sequence": "\(sequence)", "error": "\(message)"])
            }
        }
    }

    /// A new command connection is ready: resends what the last one left unanswered, in sequence
    /// order, before anything newer can be sent (call under the lock, before `state.commands` is
    /// set). Returns what was given up (sent too often already), for `giveUp`.
    func resendInFlight(
        on commands: RedisConnection, state: inout ClusterState
    ) -> (resent: Int, givenUp: [InFlightWindow<InFlightPublication>.Entry]) {
        let (resend, givenUp) = state.inFlight.takeForResend()
        for entry in resend { self.transmit(entry.sequence, entry.item.command, on: commands) }
        state.counters.resent += UInt64(resend.count)
        return (resend.count, givenUp)
    }

    /// The command connection ended (or a reconnect failed): what is in flight, and what sessions
    /// publish meanwhile, waits for the next one, unless the node has been without Redis for
    /// longer than the command timeout.
    func commandConnectionLost() {
        let now = Self.now()
        let (waiting, expired) = self.state.withLockedValue { state in
            // In one step: a publication never finds the connection gone without being held.
            state.ready = false
            state.commands = nil
            state.inFlight.connectionLost(now: now)
            return (
                state.inFlight.count,
                state.inFlight.expire(now: now, timeout: Int64(self.configuration.commandTimeoutMilliseconds))
            )
        }
        if !expired.isEmpty {
            self.giveUp(expired, reason: "Redis stayed unreachable")
        } else if waiting > 0 {
            self.logger.info(
                "cluster: publications in flight when the Redis connection dropped will be resent",
                metadata: ["count": "\(waiting)"])
        }
    }

    /// Publications that will not reach Redis: receivers will count them lost; a retained or
    /// history publication's realm learns it failed.
    func giveUp(_ entries: [InFlightWindow<InFlightPublication>.Entry], reason: String) {
        guard let first = entries.first, let last = entries.last else { return }
        self.logger.warning(
            "cluster: publications in flight were given up; receivers will see a gap",
            metadata: ["count": "\(entries.count)", "sequences": "\(first.sequence)...\(last.sequence)",
                "reason": "\(reason)"])
        for entry in entries { entry.item.onReply?(.failure(RedisError(.connectionClosed, reason))) }
    }
}
