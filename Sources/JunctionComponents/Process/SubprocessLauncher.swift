import Subprocess

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs instances with swift-subprocess: argv as configured (never through a shell), the
/// router's environment plus the instance's, both output pipes drained concurrently line by line.
///
/// Each instance leads a process group of its own and signals go to the whole group, so a
/// component's children stop with it (and cannot keep its output pipes, and so its supervision,
/// open after it is gone).
public struct SubprocessLauncher: ProcessLauncher {
    public init() {}

    public func run(
        _ launch: InstanceLaunch,
        started: @escaping @Sendable (Int32) async -> Void,
        line: @escaping @Sendable (OutputStream, String) -> Void
    ) async -> ExitStatus {
        guard let program = launch.exec.first else { return .failedToStart("exec is empty") }
        let executable: Executable = program.contains("/") ? .path(.init(program)) : .name(program)
        var overrides: [Environment.Key: String?] = [:]
        for (key, value) in launch.environment { overrides[Environment.Key(stringLiteral: key)] = value }
        var options = PlatformOptions()
        options.processGroupID = 0
        let configuration = Configuration(
            executable: executable,
            arguments: Arguments(Array(launch.exec.dropFirst())),
            environment: .inherit.updating(overrides),
            workingDirectory: launch.cwd.map { .init($0) },
            platformOptions: options
        )
        do {
            let result = try await Subprocess.run(
                configuration, input: .none, output: .sequence, error: .sequence
            ) { execution in
                await started(execution.processIdentifier.value)
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await Self.drain(execution.standardOutput, as: .stdout, to: line) }
                    group.addTask { await Self.drain(execution.standardError, as: .stderr, to: line) }
                }
            }
            switch result.terminationStatus {
            case .exited(let code): return .exited(code)
            case .signaled(let signal): return .signaled(signal)
            }
        } catch {
            return .failedToStart("\(error)")
        }
    }

    public func signal(_ signal: Int32, to pid: Int32) {
        if kill(-pid, signal) != 0 { _ = kill(pid, signal) }
    }

    private static func drain(
        _ output: SubprocessOutputSequence,
        as stream: OutputStream,
        to line: @Sendable (OutputStream, String) -> Void
    ) async {
        var splitter = LineSplitter()
        do {
            for try await buffer in output {
                let lines = buffer.withUnsafeBytes { splitter.feed($0) }
                for text in lines { line(stream, text) }
            }
        } catch {
            line(.stderr, "(output stream \(stream.rawValue) failed: \(error))")
        }
        if let rest = splitter.finish() { line(stream, rest) }
    }
}
