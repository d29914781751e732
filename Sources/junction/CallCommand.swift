import ArgumentParser
import JunctionClient

struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call a procedure and print its result as JSON.",
        discussion: """
            Arguments are JSON when they parse as JSON, else strings. The result printed is the single \
            positional result, or the list of them, or {"args": [...], "kwargs": {...}} when there are \
            keyword results. A WAMP error exits 1 with the error URI and arguments on standard error.
            """)

    @Argument(help: "Procedure URI.")
    var procedure: String

    @Argument(help: "Positional arguments.")
    var args: [String] = []

    @Option(name: .customLong("kw"), help: "Keyword argument KEY=VALUE (repeatable).")
    var keywords: [String] = []

    @Option(help: "Give up after this many seconds (the call is canceled).")
    var timeout: Double?

    @OptionGroup var client: ClientOptions

    func run() async throws {
        let args = self.args.map(CommandLineValue.parse)
        let kwargs = try CommandLineValue.keywords(self.keywords)
        let options = CallOptions(timeout: self.timeout.map { .milliseconds(Int64($0 * 1000)) })
        try await runClient(self.client) { client in
            let result = try await client.call(self.procedure, args: args, kwargs: kwargs, options: options)
            printLine(CommandLineValue.output(args: result.args, kwargs: result.kwargs))
        }
    }
}
