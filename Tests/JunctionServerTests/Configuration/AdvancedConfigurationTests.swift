import JunctionRouter
import Testing

@testable import JunctionServer

/// The realm keys of the Advanced Profile: disclosure, event history, trust levels.
@Suite struct AdvancedConfigurationTests {
    @Test func advancedRealmKeysLoad() throws {
        let configuration = try ConfigurationLoader.load(
            yaml: """
                realms:
                  - name: realm1
                    disclosure: refuse
                    event_history:
                      - uri: com.log.
                        match: prefix
                        limit: 10
                      - uri: com.aged
                        max_age: 60
                    roles:
                      - name: anonymous
                        trust_level: 3
                        permissions: []
                transports:
                  - type: websocket
                    port: 0
                """)
        let realm = try #require(configuration.realms.first)
        #expect(realm.disclosure == .refuse)
        #expect(
            realm.eventHistory == [
                EventHistoryRule(uri: "com.log.", match: .prefix, limit: 10),
                EventHistoryRule(uri: "com.aged", match: .exact, maxAge: 60),
            ])
        #expect(realm.trustLevels == ["anonymous": 3])
    }

    @Test func badAdvancedKeysAreNamed() {
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(
                yaml: """
                    realms:
                      - name: realm1
                        disclosure: sometimes
                    transports:
                      - type: websocket
                        port: 0
                    """)
        }
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(
                yaml: """
                    realms:
                      - name: realm1
                        event_history:
                          - uri: com.x
                            keep: 5
                    transports:
                      - type: websocket
                        port: 0
                    """)
        }
    }
}
