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
          # Where `junction serve` writes its process id, for `junction reload` (SIGHUP re-reads
          # this file). Default: junction.pid in the temporary directory.
          # pid_file: /run/junction/junction.pid

        limits:
          # Largest WAMP message accepted, in bytes (default 16 MiB). Transports may set a lower one.
          max_message_size: 16777216
          # Per session: bytes / messages queued for a peer that reads too slowly before the realm's
          # slow_consumer policy applies.
          outbound_queue_bytes: 4194304
          outbound_queue_messages: 10000
          # Per session caps; hitting one gets an ERROR naming the limit.
          max_pending_calls_per_session: 1000
          max_subscriptions_per_session: 10000
          max_registrations_per_session: 1000
          # Before a session is established: seconds from connect to WELCOME, largest message,
          # connections not yet joined (all listeners), and failed-login throttling per address.
          hello_timeout: 10
          pre_session_max_message_size: 65536
          max_pending_sessions: 1000
          auth_failure_delay_ms: 1000
          max_auth_failures: 10
          auth_failure_window: 60

        realms:
          - name: realm1
            # URI check for topics and procedures: loose (spec's relaxed rules) or strict.
            uri_check: loose
            # Role given to clients that join without authentication ("" refuses them).
            anonymous_role: anonymous
            # A subscriber that cannot keep up: drop (its events are dropped and counted) or disconnect.
            slow_consumer: drop
            # Caller/publisher identification: on_request (disclose_me, disclose_caller), refuse
            # (disclose_me is answered with an ERROR) or always.
            disclosure: on_request
            # Event history for wamp.subscription.get_events, per topic pattern: keep the last
            # `limit` events and/or those younger than `max_age` seconds. None by default:
            # event_history:
            #   - uri: com.example.log.
            #     match: prefix
            #     limit: 100
            #     max_age: 3600
            roles:
              - name: anonymous
                # trust_level: 1   # EVENT/INVOCATION.Details.trustlevel for this role's publications and calls
                permissions:
                  # The most specific matching rule wins: exact, then longest prefix, then wildcard.
                  - uri: ""
                    match: prefix
                    allow: [call, register, publish, subscribe]
                    # disclose: [caller, publisher]   # reveal this role's identity to callees/subscribers
              # A role decided by a WAMP procedure a trusted component registers (see README, Security):
              # - name: partner
              #   authorizer: {procedure: com.example.authorize, cache_ttl: 60, timeout: 5}
              # What the web dashboard needs: the meta API's lists and events, a subscription to every
              # topic (its message-rate probe), and its console's publish and call; not the meta API's
              # kill and remove procedures. Here the anonymous role already allows all of it (the
              # listeners are loopback only); where anonymous access is restricted, give `dashboard`
              # to a principal, e.g. ticket principals: [{authid: ops, ticket: change-me, role: dashboard}],
              # and open the dashboard with ?authid=ops&ticket=change-me.
              - name: dashboard
                permissions:
                  - {uri: "", match: prefix, allow: [call, publish, subscribe]}
                  - {uri: wamp.session.kill, match: prefix, allow: []}
                  - {uri: wamp.registration.remove_callee, allow: []}
                  - {uri: wamp.subscription.remove_subscriber, allow: []}
            # Who may join as what (see README, Security). None configured: anonymous only.
            # authentication:
            #   ticket:
            #     principals: [{authid: joe, ticket: change-me, role: user}]
            #   wampcra:
            #     principals: [{authid: peter, secret: change-me, role: user, salt: s4lt, iterations: 1000, keylen: 32}]
            #   cryptosign:
            #     principals: [{authid: device-1, pubkey: <64 hex digits>, role: device}]
            #   jwt:
            #     keys: [{algorithm: HS256, secret: <at least 32 bytes>}]
            #     audience: junction
            #   dynamic: {procedure: com.example.authenticate, methods: [ticket], timeout: 5}

        transports:
          # HTTP and WebSocket on 127.0.0.1:8080. Each path names a service (docs/http.md):
          # WAMP over WebSocket at ws://127.0.0.1:8080/ws (wamp.2.json, wamp.2.msgpack, wamp.2.cbor and
          # .batched), Crossbar-compatible HTTP publish/call, metrics, probes and the dashboard.
          # (A listener with only `path: /ws` instead of `paths` serves WAMP alone.)
          - type: websocket
            host: 127.0.0.1
            port: 8080
            paths:
              /ws: {type: wamp}
              # MQTT over WebSocket (subprotocols mqtt, mqttv3.1) on realm1, see docs/mqtt.md.
              /mqtt: {type: mqtt, realm: realm1}
              /publish: {type: publisher, realm: realm1, role: anonymous}
              /call: {type: caller, realm: realm1, role: anonymous}
              /metrics: {type: metrics}
              /health: {type: health}
              /ready: {type: ready}
              /: {type: dashboard}
              # Signed requests, limits: options: {key: K, secret: S, post_body_limit: 65536,
              #   timestamp_delta_limit: 10, require_ip: [127.0.0.1/32], require_tls: false}
              # /hook: {type: webhook, realm: realm1, role: anonymous, options: {topic: com.example.hook}}
              # /files: {type: static, directory: /srv/www}
            serializers: [json, msgpack, cbor]
            # Dead-peer detection: ping a silent peer every ping_interval seconds (0 = off) and close
            # it if nothing arrives within ping_timeout seconds.
            ping_interval: 30
            ping_timeout: 10
            max_connections: 100000
            # Authentication methods allowed here (default: all the realm offers):
            # auth_methods: [anonymous, ticket, wampcra, cryptosign, tls]
            # TLS (wss://): certificate and key in PEM; client certificates optional/required
            # need ca_certificates and enable the `tls` authmethod.
            # tls: {certificate: server.pem, key: server.key, ca_certificates: ca.pem, client_certificate: none}
          # RawSocket over TCP.
          - type: rawsocket
            host: 127.0.0.1
            port: 8081
            serializers: [json, msgpack, cbor]
          # RawSocket over a Unix domain socket:
          # - type: rawsocket
          #   unix: /tmp/junction.sock
          # MQTT 3.1.1 and 5.0: every client is a session of `realm` (see docs/mqtt.md).
          - type: mqtt
            realm: realm1
            host: 127.0.0.1
            port: 1883
            # limits: {max_packet_size: 1048576, receive_maximum: 100, topic_alias_maximum: 32,
            #          max_keep_alive: 0, max_session_expiry: 86400, max_queued_messages: 1000,
            #          max_queued_bytes: 16777216}
            # payload: {mode: json, prefixes: [{prefix: raw/, mode: passthrough}]}
            # tls: {certificate: server.pem, key: server.key}

        # Where event history, stream epochs and retained events are kept (see docs/streams.md):
        # memory (lost on restart) or a SQLite file. sync: always = an acknowledged publication is
        # on disk before PUBLISHED; interval = at most interval_ms of writes lost on a crash.
        # storage:
        #   type: sqlite
        #   path: junction.sqlite
        #   sync: interval
        #   interval_ms: 100

        """
}
