import ArgumentParser
import Foundation
import JunctionClient

struct SubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribe",
        abstract: "Subscribe to a topic and print one JSON line per event.",
        discussion: """
            Each line is {"topic": ..., "args": [...], "kwargs": {...}}. Runs until --count events \
            arrived (or for ever), reconnecting and re-subscribing if the router goes away.
            """)

    @Argument(help: "Topic URI (or pattern with --match).")
    var topic: String

    @Option(help: "Match policy: exact, prefix or wildcard.")
    var match: String = "exact"

    @Option(help: "Exit after this many events.")
    var count: Int?

    @OptionGroup var client: ClientOptions

    func run() async throws {
        guard let match = MatchPolicy(rawValue: self.match) else {
            throw ValidationError("--match must be exact, prefix or wildcard")
        }
        if let count = self.count, count <= 0 { return }
        try await runClient(self.client, reconnect: .default) { client in
            let subscription = try await client.subscribe(self.topic, options: SubscribeOptions(match: match))
            printReady("subscribed to \(self.topic)")
            var received = 0
            for await event in subscription {
                let line: WAMPValue = [
                    "topic": .string(event.topic ?? self.topic), "args": .list(event.args), "kwargs": .dict(event.kwargs),
                ]
                printLine(WAMPJSON.string(line))
                received += 1
                if let count = self.count, received >= count { break }
            }
        }
    }
}

/// Tells whoever watches standard error that a long-running command is ready (tests wait for it).
func printReady(_ message: String) {
    FileHandle.standardError.write(Data("\(message)\n".utf8))
}
