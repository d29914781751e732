import JunctionRouter
import Testing
import WAMPCore

@testable import JunctionMQTT

@Suite struct MQTTTopicMappingTests {
    @Test func topicsBecomeURIsAndBack() {
        let cases: [(String, String)] = [
            ("a/b/c", "a.b.c"), ("sensors/kitchen/temp", "sensors.kitchen.temp"), ("a.b/c", "a%2Eb.c"),
            ("a//b", "a.%.b"), ("/a", "%.a"), ("a/", "a.%"), ("/", "%.%"), ("100%/x", "100%25.x"),
            ("with space/tab\t", "with%20space.tab%09"), ("$SYS/load", "$SYS.load"), ("ünï/😀", "ünï.😀"),
            ("nb\u{00A0}sp", "nb%C2%A0sp"), ("à/x", "à.x"),
        ]
        for (topic, uri) in cases {
            #expect(MQTTTopicMapping.uri(forTopic: topic) == uri, "\(topic)")
            #expect(URIValidation.isValid(MQTTTopicMapping.uri(forTopic: topic)), "\(topic)")
            #expect(MQTTTopicMapping.topic(forURI: uri) == topic, "\(uri)")
        }
    }

    @Test func urisWithoutATopic() {
        #expect(MQTTTopicMapping.topic(forURI: "wamp.session.on_join") == nil)
        #expect(MQTTTopicMapping.topic(forURI: "com.a+b") == nil)
        #expect(MQTTTopicMapping.topic(forURI: "com.example.x") == "com/example/x")
    }

    @Test func filtersBecomeRealmSubscriptions() {
        let cases: [(String, String, MQTTTopicMapping.Match)] = [
            ("a/b", "a.b", .exact), ("a/+/c", "a..c", .wildcard), ("+", "", .wildcard), ("+/+", ".", .wildcard),
            ("a/#", "a", .prefix), ("a/b/#", "a.b", .prefix), ("a/+/#", "a", .prefix), ("#", "", .prefix),
            ("+/#", "", .prefix), ("a.b/+", "a%2Eb.", .wildcard),
        ]
        for (filter, uri, match) in cases {
            let plan = MQTTTopicMapping.realmSubscription(forFilter: filter)
            #expect(plan.uri == uri, "\(filter)")
            #expect(plan.match == match, "\(filter)")
        }
    }

    @Test func prefixPlansCoverWhatTheFilterMatches() throws {
        // `a/#` matches `a` itself and everything below it; the realm prefix is wider (`ab`), and
        // the session matches every event against the filter.
        let plan = MQTTTopicMapping.realmSubscription(forFilter: "a/#")
        for topic in ["a", "a/b", "a/b/c"] {
            let policy = try #require(MatchPolicy(rawValue: plan.match.rawValue))
            #expect(policy.matches(pattern: plan.uri, uri: MQTTTopicMapping.uri(forTopic: topic)), "\(topic)")
        }
    }
}
