import Foundation
import JunctionComponents
import JunctionServer
import Logging
import Testing

/// `junction components`, against an in-process router hosting a `junction register` component.
@Suite struct ComponentsCommandTests {
    @Test func listRestartAndUnknownNames() async throws {
        let directory = NSTemporaryDirectory() + "junction-cli-components-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = JunctionConfiguration(
            realms: [.openRealm(named: "realm1")],
            transports: [.rawSocket(.init(endpoint: .unix(path: directory + "/client.sock")))])
        configuration.componentsSocket = directory + "/components.sock"
        configuration.components = [
            ComponentConfiguration(
                name: "svc", realm: "realm1", role: "anonymous",
                exec: [CommandRunner.binary, "register", "com.cli.svc", "--exec", "echo $PPID"],
                ready: ReadinessCheck(procedures: ["com.cli.svc"]))
        ]
        var logger = Logger(label: "cli-components")
        logger.logLevel = .critical
        let server = try await JunctionServer.start(configuration: configuration, logger: logger)
        let url = "unix://\(directory)/client.sock"
        do {
            var listed = ""
            let deadline = ContinuousClock.now + .seconds(20)
            while !listed.contains("svc\tready\tready\t1/1") && ContinuousClock.now < deadline {
                listed = try await CommandRunner.run(["components", "list", "--url", url]).stdout
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(listed == "svc\tready\tready\t1/1\n")

            let restarted = try await CommandRunner.run(["components", "restart", "svc", "--url", url])
            #expect(restarted.status == 0, "\(restarted.stderr)")
            #expect(restarted.stdout.contains(#""name":"svc""#))

            let unknown = try await CommandRunner.run(["components", "stop", "nope", "--url", url])
            #expect(unknown.status == 1)
            #expect(unknown.stderr.contains(ComponentOperations.noSuchComponent))

            let missingName = try await CommandRunner.run(["components", "get", "--url", url])
            #expect(missingName.status != 0)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }
}
