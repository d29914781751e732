import ArgumentParser
import JunctionClient

struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish an event (acknowledged: exits non-zero if the router refuses it).")

    @Argument(help: "Topic URI.")
    var topic: String

    @Argument(help: "Positional arguments (JSON, or strings).")
    var args: [String] = []

    @Option(name: .customLong("kw"), help: "Keyword argument KEY=VALUE (repeatable).")
    var keywords: [String] = []

    @Flag(name: .customLong("no-acknowledge"), help: "Do not ask the router to acknowledge the publication.")
    var noAcknowledge = false

    @OptionGroup var client: ClientOptions

    func run() async throws {
        let args = self.args.map(CommandLineValue.parse)
        let kwargs = try CommandLineValue.keywords(self.keywords)
        try await runClient(self.client) { client in
            try await client.publish(
                self.topic, args: args, kwargs: kwargs, options: PublishOptions(acknowledge: !self.noAcknowledge))
        }
    }
}
