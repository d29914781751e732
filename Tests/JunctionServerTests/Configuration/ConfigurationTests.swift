import JunctionRouter
import Testing
import WAMPCore

@testable import JunctionServer

@Suite struct ConfigurationTests {
    @Test func defaultFileIsTheBuiltInDefault() throws {
        var loaded = try ConfigurationLoader.load(yaml: DefaultConfigurationFile.text)
        #expect(loaded.realms == JunctionConfiguration.builtInDefault.realms)
        #expect(loaded.transports == JunctionConfiguration.builtInDefault.transports)
        loaded.eventLoops = JunctionConfiguration.builtInDefault.eventLoops
        #expect(loaded == JunctionConfiguration.builtInDefault)
    }

    @Test func jsonIsAccepted() throws {
        let configuration = try ConfigurationLoader.load(
            yaml: #"{"realms": [{"name": "r1", "roles": []}], "transports": [{"type": "rawsocket", "unix": "/tmp/j.sock"}]}"#)
        #expect(configuration.realms.map(\.name) == ["r1"])
        #expect(configuration.transports == [.rawSocket(.init(endpoint: .unix(path: "/tmp/j.sock")))])
    }

    @Test(arguments: [
        ("realms: []\ntransports: []", "realms"),
        ("realms:\n  - name: r\ntransports:\n  - type: websocket\n    port: high", "transports[0].port"),
        ("realms:\n  - name: r\ntransports:\n  - type: carrier-pigeon\n    port: 1", "transports[0].type"),
        ("realms:\n  - name: r\n    colour: blue\ntransports:\n  - type: rawsocket\n    port: 1", "realms[0].colour"),
        ("realms:\n  - name: r\ntransports:\n  - type: rawsocket\n    port: 99999", "transports[0].port"),
        ("realms:\n  - name: r\n  - name: r\ntransports:\n  - type: rawsocket\n    port: 1", "realms[1].name"),
        ("realms:\n  - name: 'bad realm'\ntransports:\n  - type: rawsocket\n    port: 1", "realms[0].name"),
        ("realms:\n  - name: r\n    roles:\n      - name: a\n        permissions:\n          - uri: x\n            allow: [fly]\ntransports:\n  - type: rawsocket\n    port: 1", "realms[0].roles[0].permissions[0].allow"),
        ("realms:\n  - name: r\ntransports:\n  - type: rawsocket\n    port: 1\n    unix: /tmp/x", "transports[0].unix"),
        ("routr:\n  event_loops: 1", "routr"),
        (": : :", "(document)"),
    ])
    func errorsNameTheOffendingKey(yaml: String, key: String) {
        #expect {
            _ = try ConfigurationLoader.load(yaml: yaml)
        } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }

    @Test func everyTopLevelKeyHasItsSection() throws {
        #expect(
            ConfigurationLoader.sections.map { $0.key }
                == ["router", "limits", "realms", "transports", "storage", "forwarders", "components", "cluster"])
        let error = try #require(
            #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(yaml: "realms: []\nmqtt: {}") })
        #expect(
            error.description
                == "mqtt (line 2): unknown key (allowed: cluster, components, forwarders, limits, realms, router, storage, transports)")
    }

    /// The realms section starts from what the limits section read, wherever `limits` is in the file.
    @Test func realmsUseTheLimitsSectionWhateverTheKeyOrder() throws {
        let configuration = try ConfigurationLoader.load(
            yaml: """
                realms:
                  - name: r
                transports:
                  - type: rawsocket
                    port: 1
                limits:
                  max_subscriptions_per_session: 7
                """)
        #expect(configuration.realms[0].sessionLimits.maxSubscriptions == 7)
    }

    @Test(arguments: [
        ("router: [1]\nrealms:\n  - name: r\ntransports:\n  - type: rawsocket\n    port: 1",
         "router (line 1): expected a mapping"),
        ("realms:\n  name: r\ntransports:\n  - type: rawsocket\n    port: 1", "realms (line 2): expected a list"),
        ("realms:\n  - name: r\ntransports: []", "transports (line 3): must not be empty"),
        ("realms:\n  - name: r\n", "transports: missing"),
    ])
    func sectionsOfTheWrongShapeAreNamed(yaml: String, message: String) throws {
        let error = try #require(#expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(yaml: yaml) })
        #expect(error.description == message)
    }
}
