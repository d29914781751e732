import NIOCore
import NIOPosix

/// Opens load-generator sessions: TCP (or unix socket) connect, transport handshake, HELLO.
///
/// The role is created on the connection's event loop (roles are loop-confined), by a closure
/// that also receives that loop's `LoopState`.
struct ClientConnector: Sendable {
    let target: BenchTarget
    let setup: SessionSetup

    /// Connects one session on `handle`'s loop.
    ///
    /// - Parameters:
    ///   - track: keep the session in the loop's list so that `goodbyeAll` reaches it at the end.
    ///   - established: succeeded on WELCOME, failed on any error before it.
    /// - Returns: the channel once TCP is connected.
    func connect(
        on handle: LoopHandle, track: Bool, established: EventLoopPromise<Void>,
        makeRole: @escaping @Sendable (LoopState) -> any SessionRole
    ) -> EventLoopFuture<any Channel> {
        let target = self.target
        let setup = self.setup
        let state = handle.state
        var bootstrap = ClientBootstrap(group: handle.loop)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let loopState = state.value
                    let session = WAMPClientHandler(setup: setup, role: makeRole(loopState), established: established)
                    if track { loopState.sessions.append(session) }
                    let sync = channel.pipeline.syncOperations
                    switch target.transport {
                    case .webSocket:
                        try sync.addHandler(
                            WebSocketClientHandler(
                                serializer: setup.serializer, host: target.hostHeader, path: target.path))
                    case .rawSocket:
                        try sync.addHandler(RawSocketClientHandler(serializer: setup.serializer))
                    }
                    try sync.addHandler(session)
                }
            }
        if case .unixDomainSocket = target.address {
        } else {
            bootstrap = bootstrap.channelOption(.socketOption(.tcp_nodelay), value: 1)
        }
        let connected = bootstrap.connect(to: target.address)
        connected.whenFailure { established.fail($0) }
        return connected
    }
}
