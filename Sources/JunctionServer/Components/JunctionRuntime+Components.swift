import JunctionComponents
import JunctionRouter
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Hosted components plug in after the listeners: a private RawSocket listener on a Unix socket
/// (ticket authentication only, in a directory only the router's user can enter) that every
/// instance's `JUNCTION_URL` names, then the `ComponentsService`, which starts the instances once
/// that listener is bound.
extension JunctionRuntime {
    /// The listener and service that host `configuration.components` and `inProcess`. A router
    /// started from a configuration file always has them, so a reload can add its first component;
    /// otherwise none when there are no components.
    public func componentServices(
        inProcess: [any Component] = [],
        onListening: @escaping @Sendable (SocketAddress?) async -> Void = { _ in }
    ) -> [any Service] {
        let hosted = self.configuration.components
        let reloadable = self.configurationFile != nil
        guard !hosted.isEmpty || !inProcess.isEmpty || reloadable else { return [] }
        let (bound, signal) = AsyncStream.makeStream(of: Void.self)
        var services: [any Service] = []
        var url = ""
        if !hosted.isEmpty || reloadable {
            let path = self.componentSocketPath
            url = "unix://\(path)"
            // Stopped after the listener (services stop last first): removes what the listener left.
            services.append(SocketFileCleanup(path: path, removeDirectory: self.configuration.componentsSocket == nil))
            var listener = RawSocketListener(endpoint: .unix(path: path))
            listener.authMethods = [.ticket]
            // A local process's connection ends with the process; and autobahn's asyncio RawSocket
            // client does not answer PINGs.
            listener.liveness.pingInterval = 0
            services.append(
                ListenerService(transport: .rawSocket(listener), runtime: self) { address in
                    await onListening(address)
                    signal.yield()
                    signal.finish()
                })
        } else {
            signal.finish()
        }
        let service = ComponentsService(
            router: self.router, url: url, components: hosted, inProcess: inProcess, logger: self.logger,
            whenListening: {
                for await _ in bound { break }
            })
        services.append(service)
        // A reload starts, stops or restarts only the entries that changed.
        let supervisor = service.supervisor
        self.onReload { old, new in
            _ = await supervisor.apply(old: old.components, new: new.components)
        }
        return services
    }

    /// `JunctionConfiguration.componentsSocket`, or `$TMPDIR/junction-<pid>/components.sock` (`/tmp` without
    /// `TMPDIR`), its directory created with mode 0700; a second runtime in the same process gets
    /// `components-2.sock`, and so on.
    var componentSocketPath: String {
        if let path = self.configuration.componentsSocket { return path }
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        let directory = "\(base)/junction-\(getpid())"
        mkdir(directory, 0o700)
        let number = componentSocketCount.withLockedValue { count in
            count += 1
            return count
        }
        return number == 1 ? "\(directory)/components.sock" : "\(directory)/components-\(number).sock"
    }
}

/// How many default component socket paths this process has handed out.
private let componentSocketCount = NIOLockedValueBox(0)

/// Removes the components' socket file (and the directory the router made for it) at shutdown,
/// once the listener is closed.
struct SocketFileCleanup: Service, CustomStringConvertible {
    let path: String
    let removeDirectory: Bool

    var description: String { "SocketFileCleanup(\(self.path))" }

    func run() async throws {
        try? await gracefulShutdown()
        unlink(self.path)
        if self.removeDirectory, let slash = self.path.lastIndex(of: "/") {
            rmdir(String(self.path[..<slash]))
        }
    }
}
