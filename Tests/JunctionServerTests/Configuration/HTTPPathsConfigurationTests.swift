import HTTPBridgeCore
import JunctionRouter
import Testing

@testable import JunctionServer

/// A WebSocket listener's `paths`: every service type, Crossbar's option names, and each mistake
/// named by its key.
@Suite struct HTTPPathsConfigurationTests {
    static let realms = """
        realms:
          - name: realm1
            roles:
              - name: anonymous
                permissions: [{uri: "", match: prefix, allow: [publish, call]}]
        """

    func load(_ paths: String) throws -> [String: HTTPPathService] {
        let yaml = Self.realms + "\ntransports:\n  - type: websocket\n    port: 0\n    paths:\n" + paths
        let configuration = try ConfigurationLoader.load(yaml: yaml)
        guard case .webSocket(let listener) = configuration.transports.first else { throw Unexpected() }
        return listener.paths
    }

    struct Unexpected: Error {}

    @Test func everyServiceTypeLoads() throws {
        let paths = try self.load(
            """
                  /ws: {type: wamp}
                  publish:
                    type: publisher
                    realm: realm1
                    role: anonymous
                    options:
                      key: k
                      secret: s
                      post_body_limit: 8192
                      timestamp_delta_limit: 10
                      require_ip: [192.168.1.0/24, 127.0.0.1]
                      require_tls: true
                  /call: {type: caller, realm: realm1, role: anonymous}
                  /hook: {type: webhook, realm: realm1, role: anonymous, options: {topic: com.example.hook, success_response: yes}}
                  /metrics: {type: metrics}
                  /health: {type: health}
                  /ready: {type: ready}
                  /: {type: dashboard}
                  /dev: {type: dashboard, directory: /tmp/dash}
                  /files: {type: static, directory: /srv/www}
            """
        )
        #expect(paths["/ws"] == .wamp)
        let options = BridgeOptions(
            key: "k",
            secret: "s",
            postBodyLimit: 8192,
            timestampDeltaLimit: 10,
            requireIP: [IPNetwork(cidr: "192.168.1.0/24")!, IPNetwork(cidr: "127.0.0.1")!],
            requireTLS: true
        )
        #expect(paths["/publish"] == .publisher(BridgePath(realm: "realm1", role: "anonymous", options: options)))
        #expect(paths["/call"] == .caller(BridgePath(realm: "realm1", role: "anonymous")))
        #expect(
            paths["/hook"]
                == .webhook(
                    WebhookPath(
                        bridge: BridgePath(realm: "realm1", role: "anonymous"),
                        topic: "com.example.hook",
                        successResponse: "yes"
                    )
                )
        )
        #expect(paths["/metrics"] == .metrics && paths["/health"] == .health && paths["/ready"] == .ready)
        #expect(paths["/"] == .dashboard(directory: nil))
        #expect(paths["/dev"] == .dashboard(directory: "/tmp/dash"))
        #expect(paths["/files"] == .static(directory: "/srv/www"))
    }

    @Test func pathAloneIsWAMPAtThatPath() throws {
        let configuration = try ConfigurationLoader.load(
            yaml: Self.realms + "\ntransports:\n  - type: websocket\n    port: 0\n    path: /wamp\n"
        )
        guard case .webSocket(let listener) = configuration.transports.first else { throw Unexpected() }
        #expect(listener.routes == ["/wamp": .wamp])
    }

    @Test(arguments: [
        ("      /x: {type: mqtt}", "transports[0].paths./x.realm"),
        ("      /x: {type: teapot}", "transports[0].paths./x.type"),
        ("      /x: {type: publisher, realm: nowhere, role: anonymous}", "transports[0].paths./x.realm"),
        ("      /x: {type: publisher, realm: realm1, role: admin}", "transports[0].paths./x.role"),
        ("      /x: {type: caller, realm: realm1}", "transports[0].paths./x.role"),
        (
            "      /x: {type: publisher, realm: realm1, role: anonymous, options: {key: k}}",
            "transports[0].paths./x.options.secret"
        ),
        (
            "      /x: {type: publisher, realm: realm1, role: anonymous, options: {require_ip: [10.0.0.1/8]}}",
            "transports[0].paths./x.options.require_ip"
        ),
        (
            "      /x: {type: publisher, realm: realm1, role: anonymous, options: {require_tls: maybe}}",
            "transports[0].paths./x.options.require_tls"
        ),
        (
            "      /x: {type: publisher, realm: realm1, role: anonymous, options: {github_secret: s}}",
            "transports[0].paths./x.options.github_secret"
        ),
        ("      /x: {type: webhook, realm: realm1, role: anonymous}", "transports[0].paths./x.options"),
        (
            "      /x: {type: webhook, realm: realm1, role: anonymous, options: {topic: 'a..b'}}",
            "transports[0].paths./x.options.topic"
        ),
        ("      /x: {type: static}", "transports[0].paths./x.directory"),
        ("      /x: {type: metrics, extra: 1}", "transports[0].paths./x.extra"),
        ("      /x/: {type: metrics}", "transports[0].paths./x/"),
        ("      /x: wamp", "transports[0].paths./x"),
    ])
    func mistakesNameTheirKey(paths: String, key: String) {
        #expect {
            _ = try self.load(paths)
        } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }

    @Test func mqttPathsNameTheirRealm() throws {
        let paths = try self.load("      /mqtt: {type: mqtt, realm: realm1, limits: {receive_maximum: 5}}")
        guard case .mqtt(let endpoint)? = paths["/mqtt"] else { throw Unexpected() }
        #expect(endpoint.realm == "realm1")
        #expect(endpoint.session.receiveMaximum == 5)
        #expect {
            _ = try self.load("      /mqtt: {type: mqtt}")
        } throws: { error in
            "\(error)".contains("realm")
        }
    }

    /// `mqtt: {realm, path}` on a WAMP-only listener is shorthand for two paths.
    @Test func theMQTTShorthandBecomesAPath() throws {
        let yaml = Self.realms + "\ntransports:\n  - type: websocket\n    port: 0\n    mqtt: {realm: realm1}\n"
        let configuration = try ConfigurationLoader.load(yaml: yaml)
        guard case .webSocket(let listener) = configuration.transports.first else { throw Unexpected() }
        #expect(listener.paths["/ws"] == .wamp)
        guard case .mqtt(let endpoint)? = listener.paths["/mqtt"] else { throw Unexpected() }
        #expect(endpoint.realm == "realm1")
    }

    @Test func pathAndPathsTogetherAreRefused() {
        #expect {
            _ = try ConfigurationLoader.load(
                yaml: Self.realms
                    + "\ntransports:\n  - type: websocket\n    port: 0\n    path: /ws\n    paths:\n      /ws: {type: wamp}\n"
            )
        } throws: { error in
            (error as? ConfigurationError)?.key == "transports[0].path"
        }
    }
}
