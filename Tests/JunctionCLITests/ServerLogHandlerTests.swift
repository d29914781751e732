import Logging
import Testing

@testable import junction

/// `junction serve`'s log lines keep StreamLogHandler's format:
/// `<timestamp> <level> <label>: <key=value ...sorted> [<source>] <message>`.
@Suite struct ServerLogHandlerTests {
    static func line(_ event: LogEvent, base: Logger.Metadata = [:], provided: Logger.Metadata = [:]) -> String {
        String(
            decoding: ServerLogHandler.format(
                event, label: "junction", base: base, provided: provided, timestamp: "2026-12-06T22:23:21+0000"),
            as: UTF8.self)
    }

    static func event(_ message: Logger.Message, metadata: Logger.Metadata? = nil, source: String) -> LogEvent {
        LogEvent(
            level: .info, message: message, metadata: metadata, source: source, file: #fileID, function: #function,
            line: #line)
    }

    @Test func metadataIsMergedAndSortedLikeStreamLogHandler() {
        let event = Self.event(
            "session joined", metadata: ["session": "5509811302133456", "authid": "ZOJ7-SCIE", "count": .stringConvertible(3)],
            source: "JunctionRouter")
        #expect(
            Self.line(event, base: ["realm": "realm1", "session": "overridden"])
                == "2026-12-06T22:23:21+0000 info junction: authid=ZOJ7-SCIE count=3 realm=realm1 "
                + "session=5509811302133456 [JunctionRouter] session joined\n")
    }

    @Test func noMetadataLeavesOnlyTheColon() {
        #expect(
            Self.line(Self.event("listening", source: "JunctionServer"))
                == "2026-12-06T22:23:21+0000 info junction: [JunctionServer] listening\n")
    }

    @Test func timestampHasStreamLogHandlersShape() {
        let timestamp = ServerLogHandler.timestamp()
        #expect(timestamp.utf8.count == 24)
        #expect(timestamp.dropFirst(10).first == "T")
    }
}
