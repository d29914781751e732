import JunctionComponents
import Testing

@testable import JunctionServer

/// The `components:` section.
@Suite struct ComponentsConfigurationTests {
    private func load(_ components: String) throws -> JunctionConfiguration {
        try ConfigurationLoader.load(
            yaml: """
                realms:
                  - name: home
                    roles:
                      - name: device
                        permissions: []
                transports:
                  - type: websocket
                    port: 0
                components:
                \(components)
                """)
    }

    @Test func everyKeyLoads() throws {
        let configuration = try self.load(
            """
              - name: fan
                realm: home
                role: device
                exec: [.venv/bin/python, fan.py]
                ready: {procedures: [fan.on], timeout: 2.5}
              - name: sensor
                realm: home
                role: device
                exec: [/usr/bin/sensor, --fast]
                env: {PYTHONUNBUFFERED: "1", LEVEL: 3}
                cwd: /srv
                instances: 3
                restart: always
                backoff: {initial: 0.05, max: 2, multiplier: 3, max_restarts: 4, reset_after: 60}
                depends_on: [fan]
                stop_timeout: 0.5
                log_level: debug
            """)
        #expect(configuration.components.count == 2)
        let fan = configuration.components[0]
        #expect(fan.ready == ReadinessCheck(procedures: ["fan.on"], timeout: .milliseconds(2500)))
        #expect(fan.restart == .onFailure)
        #expect(fan.instances == 1)
        let sensor = configuration.components[1]
        #expect(sensor.exec == ["/usr/bin/sensor", "--fast"])
        #expect(sensor.env == ["PYTHONUNBUFFERED": "1", "LEVEL": "3"])
        #expect(sensor.cwd == "/srv")
        #expect(sensor.instances == 3)
        #expect(sensor.restart == .always)
        #expect(
            sensor.backoff
                == BackoffPolicy(
                    initial: .milliseconds(50), max: .seconds(2), multiplier: 3, maxRestarts: 4,
                    resetAfter: .seconds(60)))
        #expect(sensor.dependsOn == ["fan"])
        #expect(sensor.stopTimeout == .milliseconds(500))
        #expect(sensor.logLevel == "debug")
    }

    @Test func badEntriesNameTheirKey() {
        let cases: [(String, String)] = [
            ("  - {name: a, realm: nowhere, role: device, exec: [x]}", "components[0].realm"),
            ("  - {name: a, realm: home, role: admin, exec: [x]}", "components[0].role"),
            ("  - {name: a, realm: home, role: device, exec: []}", "components[0].exec"),
            ("  - {name: a, realm: home, role: device, exec: [x], restart: sometimes}", "components[0].restart"),
            ("  - {name: a, realm: home, role: device, exec: [x], colour: red}", "components[0].colour"),
            ("  - {name: 'a b', realm: home, role: device, exec: [x]}", "components[0].name"),
            ("  - {name: a, realm: home, role: device, exec: [x], stop_timeout: -1}", "components[0].stop_timeout"),
            (
                "  - {name: a, realm: home, role: device, exec: [x], ready: {procedures: []}}",
                "components[0].ready.procedures"
            ),
            (
                "  - {name: a, realm: home, role: device, exec: [x]}\n"
                    + "  - {name: a, realm: home, role: device, exec: [y]}",
                "components[1].name"
            ),
            ("  - {name: a, realm: home, role: device, exec: [x], depends_on: [b]}", "components"),
            (
                "  - {name: a, realm: home, role: device, exec: [x], depends_on: [b]}\n"
                    + "  - {name: b, realm: home, role: device, exec: [x], depends_on: [a]}",
                "components"
            ),
        ]
        for (entry, key) in cases {
            do {
                _ = try self.load(entry)
                Issue.record("accepted: \(entry)")
            } catch let error as ConfigurationError {
                #expect(error.key == key, "\(entry): \(error)")
            } catch {
                Issue.record("\(entry): \(error)")
            }
        }
    }
}
