import ArgumentParser
import Foundation
import JunctionClient

struct RegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register a procedure implemented by a shell command.",
        discussion: """
            For every invocation, COMMAND runs under /bin/sh -c with {"args": [...], "kwargs": {...}} \
            as JSON on standard input. Its standard output is the result (JSON if it parses as JSON, \
            else a string; nothing for empty output). A non-zero exit answers the call with the error \
            junction.error.command_failed, args [stderr], kwargs {"exit_code": N}.
            """)

    @Argument(help: "Procedure URI (or pattern with --match).")
    var procedure: String

    @Option(help: "Shell command to run per invocation.")
    var exec: String

    @Option(help: "Match policy: exact, prefix or wildcard.")
    var match: String = "exact"

    @Option(help: "Shared registration policy: single, roundrobin, random, first or last.")
    var invoke: String?

    @Option(help: "Exit after serving this many invocations.")
    var count: Int?

    @OptionGroup var client: ClientOptions

    func run() async throws {
        guard let match = MatchPolicy(rawValue: self.match) else {
            throw ValidationError("--match must be exact, prefix or wildcard")
        }
        let command = self.exec
        let (served, servedContinuation) = AsyncStream.makeStream(of: Void.self)
        try await runClient(self.client, reconnect: .default) { client in
            let options = RegisterOptions(match: match, invoke: self.invoke)
            try await client.register(self.procedure, options: options) { invocation in
                defer { servedContinuation.yield() }
                return try await ShellProcedure.run(command, invocation: invocation)
            }
            printReady("registered \(self.procedure)")
            var remaining = self.count ?? Int.max
            for await _ in served {
                remaining -= 1
                if remaining <= 0 { break }
            }
            // Let the last YIELD leave before saying GOODBYE.
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// Runs a shell command as a procedure implementation.
enum ShellProcedure {
    static let failureURI = "junction.error.command_failed"

    static func run(_ command: String, invocation: Invocation) async throws -> InvocationResult {
        let input = WAMPJSON.string(["args": .list(invocation.args), "kwargs": .dict(invocation.kwargs)]) + "\n"
        let (status, stdout, stderr) = try await Self.execute(command, input: Data(input.utf8))
        guard status == 0 else {
            throw WAMPError(
                Self.failureURI, args: [.string(Self.trimmed(stderr))], kwargs: ["exit_code": .int(Int64(status))])
        }
        let text = Self.trimmed(stdout)
        if text.isEmpty { return InvocationResult() }
        return InvocationResult(WAMPJSON.parse(text) ?? .string(text))
    }

    private static func trimmed(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `/bin/sh -c command` off the cooperative thread pool; returns exit status and output.
    private static func execute(_ command: String, input: Data) async throws -> (Int32, Data, Data) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/sh")
                process.arguments = ["-c", command]
                let stdin = Pipe()
                let stdout = Pipe()
                let stderr = Pipe()
                process.standardInput = stdin
                process.standardOutput = stdout
                process.standardError = stderr
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: WAMPError(Self.failureURI, args: [.string("\(error)")]))
                    return
                }
                let group = DispatchGroup()
                nonisolated(unsafe) var errorData = Data()
                group.enter()
                DispatchQueue.global().async {
                    errorData = stderr.fileHandleForReading.readDataToEndOfFile()
                    group.leave()
                }
                try? stdin.fileHandleForWriting.write(contentsOf: input)
                try? stdin.fileHandleForWriting.close()
                let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
                group.wait()
                process.waitUntilExit()
                continuation.resume(returning: (process.terminationStatus, outputData, errorData))
            }
        }
    }
}
