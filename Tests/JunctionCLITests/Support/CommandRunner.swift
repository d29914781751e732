import Foundation

/// Runs the built `junction` binary as a child process and collects its output.
final class CommandRunner: @unchecked Sendable {
    /// `$JUNCTION_BIN`, else `junction` next to the test bundle (the same build directory).
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["JUNCTION_BIN"], !path.isEmpty { return path }
        var directory = Bundle.main.executableURL?.deletingLastPathComponent() ?? URL(fileURLWithPath: ".")
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("junction").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("junction").path
    }()

    let process = Process()
    private let lock = NSLock()
    private var stdoutData = Data()
    private var stderrData = Data()
    private let done = DispatchGroup()

    init(_ arguments: [String]) throws {
        self.process.executableURL = URL(fileURLWithPath: Self.binary)
        self.process.arguments = arguments
        self.process.standardInput = FileHandle.nullDevice
        let out = Pipe()
        let err = Pipe()
        self.process.standardOutput = out
        self.process.standardError = err
        for (pipe, isError) in [(out, false), (err, true)] {
            self.done.enter()
            DispatchQueue.global().async {
                while true {
                    let chunk = pipe.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    self.lock.lock()
                    if isError { self.stderrData.append(chunk) } else { self.stdoutData.append(chunk) }
                    self.lock.unlock()
                }
                self.done.leave()
            }
        }
        try self.process.run()
    }

    var stdout: String {
        self.lock.lock()
        defer { self.lock.unlock() }
        return String(decoding: self.stdoutData, as: UTF8.self)
    }

    var stderr: String {
        self.lock.lock()
        defer { self.lock.unlock() }
        return String(decoding: self.stderrData, as: UTF8.self)
    }

    /// Waits until `condition` holds for the output so far (or the timeout passes).
    func waitFor(timeout: Duration = .seconds(20), _ condition: (CommandRunner) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(self) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Waits for the process to exit (killing it after `timeout`); returns its exit status.
    func finish(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while self.process.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        if self.process.isRunning { self.process.terminate() }
        self.process.waitUntilExit()
        self.done.wait()
        return self.process.terminationStatus
    }

    /// Runs `junction ARGUMENTS` to completion.
    static func run(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let runner = try CommandRunner(arguments)
        let status = try await runner.finish()
        return (status, runner.stdout, runner.stderr)
    }
}
