import MQTTCore
import NIOCore
import NIOPosix

/// Opens load-generator MQTT connections: TCP connect, CONNECT, CONNACK.
///
/// The role is created on the connection's event loop (roles are loop-confined), by a closure
/// that also receives that loop's `LoopState`.
struct MQTTConnector: Sendable {
    let target: MQTTBenchTarget
    let version: MQTTProtocolVersion

    /// A CONNECT for this connector's protocol level: clean start, no session kept after the
    /// connection (5.0 Session Expiry 0), and a keep-alive long enough that no run needs PINGREQ.
    func connectPacket(clientIdentifier: String) -> MQTTConnect {
        MQTTConnect(protocolVersion: self.version, cleanStart: true, keepAlive: 600, clientIdentifier: clientIdentifier)
    }

    /// Connects one client on `handle`'s loop.
    ///
    /// - Parameter established: succeeded on a successful CONNACK, failed on any error before it.
    /// - Returns: the channel once TCP is connected.
    func connect(
        on handle: LoopHandle, clientIdentifier: String, established: EventLoopPromise<Void>,
        makeRole: @escaping @Sendable (LoopState) -> any MQTTSessionRole
    ) -> EventLoopFuture<any Channel> {
        let connect = self.connectPacket(clientIdentifier: clientIdentifier)
        let state = handle.state
        let connected = ClientBootstrap(group: handle.loop)
            .connectTimeout(.seconds(10))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = MQTTClientHandler(
                        connect: connect, role: makeRole(state.value), established: established)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(to: self.target.address)
        connected.whenFailure { established.fail($0) }
        return connected
    }

    /// Sends DISCONNECT on every channel and waits (bounded) for them to close.
    static func disconnectAll(channels: [any Channel], timeout: TimeAmount = .seconds(10)) {
        for channel in channels {
            channel.eventLoop.execute {
                if let handler = try? channel.pipeline.syncOperations.handler(type: MQTTClientHandler.self) {
                    handler.disconnect()
                } else {
                    channel.close(promise: nil)
                }
            }
        }
        let deadline = NIODeadline.now() + timeout
        for channel in channels {
            let remaining = deadline - NIODeadline.now()
            if remaining <= .zero {
                channel.close(promise: nil)
                continue
            }
            let timer = channel.eventLoop.scheduleTask(in: remaining) { channel.close(promise: nil) }
            try? channel.closeFuture.wait()
            timer.cancel()
        }
    }

    /// A client identifier unique to this run, so that concurrent or back-to-back runs never
    /// take over each other's sessions.
    static func clientIdentifier(_ role: String, _ index: Int) -> String {
        "jb-\(Self.runTag)-\(role)\(index)"
    }

    private static let runTag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
}
