/// The commented configuration `junction init` writes. It loads to
/// `JunctionConfiguration.builtInDefault`, which a test checks.
public enum DefaultConfigurationFile {
    public static let text = """
        # Junction configuration (YAML; JSON is accepted too).
        # Check a file with:  junction check --config FILE

        router:
          # Event-loop threads; 0 = one per CPU core.
          event_loops: 0
          # trace, debug, info, notice, warning, error, critical
          log_level: info

        limits:
          # Largest WAMP message accepted, in bytes (default 16 MiB). Transports may set a lower one.
          max_message_size: 16777216

        realms:
          - name: realm1
            # URI check for topics and procedures: loose (spec's relaxed rules) or strict.
            uri_check: loose
            # Role given to clients that join without authentication ("" refuses them).
            anonymous_role: anonymous
            roles:
              - name: anonymous
                permissions:
                  # The most specific matching rule wins: exact, then longest prefix, then wildcard.
                  - uri: ""
                    match: prefix
                    allow: [call, register, publish, subscribe]

        transports:
          # WebSocket: ws://127.0.0.1:8080/ws with wamp.2.json, wamp.2.msgpack, wamp.2.cbor (and .batched).
          - type: websocket
            host: 127.0.0.1
            port: 8080
            path: /ws
            serializers: [json, msgpack, cbor]
          # RawSocket over TCP.
          - type: rawsocket
            host: 127.0.0.1
            port: 8081
            serializers: [json, msgpack, cbor]
          # RawSocket over a Unix domain socket:
          # - type: rawsocket
          #   unix: /tmp/junction.sock

        """
}
