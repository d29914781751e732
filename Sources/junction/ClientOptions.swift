import ArgumentParser
import Foundation
import JunctionClient

/// The WAMP client commands (`junction call`, `publish`, `subscribe`, `register`).
let clientSubcommands: [any ParsableCommand.Type] = [
    CallCommand.self, PublishCommand.self, SubscribeCommand.self, RegisterCommand.self, ComponentsCommand.self,
]

/// Options shared by `junction call`, `publish`, `subscribe` and `register`.
struct ClientOptions: ParsableArguments {
    @Option(
        help: """
            Router URL: ws://host:port/path, wss://…, rs://host:port, rss://host:port or unix:///path \
            (default: $JUNCTION_URL, else ws://127.0.0.1:8080/ws).
            """)
    var url: String?

    @Option(help: "Realm to join (default: $JUNCTION_REALM, else realm1).")
    var realm: String?

    @Option(help: "Serializer: json, msgpack or cbor.")
    var serializer = "json"

    @Option(help: "Authentication method: anonymous, ticket, wampcra or cryptosign (default: derived from the other options).")
    var authmethod: String?

    @Option(help: "Principal to authenticate as (default: $JUNCTION_AUTHID).")
    var authid: String?

    @Option(help: "Ticket (ticket) or secret (wampcra) (default: $JUNCTION_TICKET).")
    var secret: String?

    @Option(name: .customLong("private-key"), help: "Ed25519 private key for cryptosign: 64 hex digits, or a file containing them.")
    var privateKey: String?

    /// The client configuration these options describe.
    func configuration(reconnect: ReconnectPolicy) throws -> ClientConfiguration {
        guard let serializer = SerializerKind(name: self.serializer) else {
            throw ValidationError("unknown serializer '\(self.serializer)' (json, msgpack or cbor)")
        }
        do {
            return try ClientConfiguration(
                url: self.url ?? Self.environment("JUNCTION_URL") ?? "ws://127.0.0.1:8080/ws",
                realm: self.realm ?? Self.environment("JUNCTION_REALM") ?? "realm1", serializer: serializer,
                authentication: try self.authentication(),
                reconnect: reconnect)
        } catch let error as WAMPClientError {
            throw ValidationError(error.message)
        }
    }

    /// A hosted component's environment (`JUNCTION_URL`, `JUNCTION_REALM`, `JUNCTION_AUTHID`,
    /// `JUNCTION_TICKET`) supplies what the options leave out, so `junction register …` runs as a
    /// component as is.
    private static func environment(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    private func authentication() throws -> Authentication {
        let authid = self.authid ?? (self.secret == nil ? Self.environment("JUNCTION_AUTHID") : nil)
        let secret = self.secret ?? (self.authid == nil ? Self.environment("JUNCTION_TICKET") : nil)
        return try self.authentication(authid: authid, secret: secret)
    }

    private func authentication(authid: String?, secret: String?) throws -> Authentication {
        let method = self.authmethod ?? (self.privateKey != nil ? "cryptosign" : secret != nil ? "ticket" : "anonymous")
        switch method {
        case "anonymous":
            return .anonymous
        case "ticket", "wampcra":
            guard let authid, let secret else {
                throw ValidationError("--authmethod \(method) needs --authid and --secret")
            }
            return method == "ticket" ? .ticket(authid: authid, ticket: secret) : .wampcra(authid: authid, secret: secret)
        case "cryptosign":
            guard let key = self.privateKey else { throw ValidationError("--authmethod cryptosign needs --private-key") }
            var hex = key
            if FileManager.default.fileExists(atPath: key) {
                hex = try String(contentsOfFile: key, encoding: .utf8)
            }
            do {
                return try .cryptosign(
                    authid: authid, privateKeyHex: hex.trimmingCharacters(in: .whitespacesAndNewlines))
            } catch {
                throw ValidationError(error.message)
            }
        default:
            throw ValidationError("unknown --authmethod '\(method)' (anonymous, ticket, wampcra or cryptosign)")
        }
    }
}

/// Command-line values: JSON when the text is valid JSON, else the text as a string.
enum CommandLineValue {
    static func parse(_ text: String) -> WAMPValue {
        WAMPJSON.parse(text) ?? .string(text)
    }

    /// `KEY=VALUE` pairs as keyword arguments.
    static func keywords(_ pairs: [String]) throws -> WAMPDict {
        var kwargs: WAMPDict = [:]
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                throw ValidationError("--kw expects KEY=VALUE, got '\(pair)'")
            }
            kwargs[String(pair[..<equals])] = Self.parse(String(pair[pair.index(after: equals)...]))
        }
        return kwargs
    }

    /// What the CLI prints for a payload: the single argument, or the argument list, or
    /// `{"args": […], "kwargs": {…}}` when there are keyword arguments.
    static func output(args: WAMPList, kwargs: WAMPDict) -> String {
        if !kwargs.isEmpty { return WAMPJSON.string(["args": .list(args), "kwargs": .dict(kwargs)]) }
        if args.count == 1 { return WAMPJSON.string(args[0]) }
        return WAMPJSON.string(.list(args))
    }
}

/// Runs a client command: connects, runs `body`, leaves; a WAMP error exits 1 with the URI and
/// arguments on standard error, any other failure exits 2.
func runClient(
    _ options: ClientOptions, reconnect: ReconnectPolicy = .disabled, _ body: (WAMPClient) async throws -> Void
) async throws {
    let configuration = try options.configuration(reconnect: reconnect)
    do {
        let client = try await WAMPClient.connect(configuration)
        do {
            try await body(client)
        } catch {
            await client.leave()
            throw error
        }
        await client.leave()
    } catch let error as WAMPError {
        var line = "error: \(error.uri)"
        if !error.args.isEmpty { line += " \(WAMPJSON.string(.list(error.args)))" }
        if !error.kwargs.isEmpty { line += " \(WAMPJSON.string(.dict(error.kwargs)))" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
        throw ExitCode(1)
    } catch let error as WAMPClientError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(2)
    }
}

/// Writes one line to standard output and flushes it (for pipes).
func printLine(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
