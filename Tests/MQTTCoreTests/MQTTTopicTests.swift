import Testing

@testable import MQTTCore

/// Topic names, filters, shared subscriptions and matching (§4.7, §4.8.2).
@Suite struct MQTTTopicTests {
    @Test func names() {
        for name in ["a", "/", "a//b", "/a", "a/", "$SYS/broker/load", " ", "ünï/😀", "a b/c"] {
            #expect(MQTTTopic.isValidName(name), "\(name)")
        }
        for name in ["", "a/+", "#", "a/#", "a+b", "sport/tennis#", "+"] {
            #expect(!MQTTTopic.isValidName(name), "\(name)")
        }
    }

    @Test func filters() {
        for filter in [
            "#", "+", "a/#", "a/+/b", "+/+", "/+", "a//b", "/", "$SYS/#", "+/a/#", "+/#", "a/b/", "$share/g/a",
            "sport/tennis/player1/#", "sport/+/player1", "ünï/+",
        ] {
            #expect(MQTTTopic.isValidFilter(filter), "\(filter)")
        }
        for filter in ["", "a/#/b", "a#", "a/b#", "a+", "a/+b", "+a", "##", "#/", "#/a", "++", "sport/tennis#"] {
            #expect(!MQTTTopic.isValidFilter(filter), "\(filter)")
        }
    }

    static let matching: [(String, String)] = [
        ("a/b/c", "a/b/c"), ("a/+/c", "a/b/c"), ("a/+/c", "a//c"), ("a/#", "a"), ("a/#", "a/b/c"), ("a/#", "a/"),
        ("#", "a"), ("#", "/"), ("#", "a/b/c"), ("+/+", "/"), ("/+", "/a"), ("+", "a"), ("a/+", "a/"),
        ("+/#", "a"), ("+/#", "a/b"), ("a/+/#", "a/"), ("a/+/#", "a/b/c/d"), ("$SYS/#", "$SYS/x"),
        ("$SYS/+", "$SYS/x"), ("$SYS/#", "$SYS"), ("sport/tennis/player1/#", "sport/tennis/player1"),
        ("sport/tennis/player1/#", "sport/tennis/player1/ranking"), ("+/tennis/#", "sport/tennis/player1"),
        ("/", "/"), ("a//b", "a//b"), ("ünï/+", "ünï/😀"),
    ]

    static let notMatching: [(String, String)] = [
        ("a/b", "a/b/c"), ("a/b/c", "a/b"), ("a/+", "a/b/c"), ("+", "/a"), ("+", "a/"), ("a/+/#", "a"),
        ("a/b", "a/b/"), ("a/b/", "a/b"), ("a", "ab"), ("ab", "a"), ("a/bc", "a/b"), ("a/b", "a/bc"),
        ("#", "$SYS/x"), ("#", "$SYS"), ("+/x", "$SYS/x"), ("+", "$"), ("+/#", "$SYS/a"),
        ("sport/+", "sport"), ("/+", "a"), ("$SYS/a", "$SYs/a"),
    ]

    @Test func matchesFilters() {
        for (filter, topic) in Self.matching {
            #expect(MQTTTopic.isValidFilter(filter) && MQTTTopic.isValidName(topic))
            #expect(MQTTTopic.matches(filter: filter, topic: topic), "\(filter) should match \(topic)")
        }
        for (filter, topic) in Self.notMatching {
            #expect(!MQTTTopic.matches(filter: filter, topic: topic), "\(filter) should not match \(topic)")
        }
    }

    /// A filter without wildcards matches exactly its own name.
    @Test func exactFiltersMatchOnlyThemselves() {
        let names = ["a", "a/b", "/a", "a/", "a//b", "$SYS/x", "ab", "a/bc"]
        for filter in names {
            for topic in names {
                #expect(MQTTTopic.matches(filter: filter, topic: topic) == (filter == topic), "\(filter) \(topic)")
            }
        }
    }

    /// Strings without contiguous UTF-8 storage (bridged or built from substrings) work too.
    @Test func nonContiguousStrings() {
        let filter = String("xa/+/c".dropFirst())
        #expect(MQTTTopic.matches(filter: filter, topic: String("a/b/c"[...])))
    }

    @Test func sharedSubscriptions() {
        #expect(
            MQTTSharedSubscription.parse("$share/g/a/b")
                == .shared(MQTTSharedSubscription(shareName: "g", topicFilter: "a/b"))
        )
        #expect(
            MQTTSharedSubscription.parse("$share/group-1/#")
                == .shared(MQTTSharedSubscription(shareName: "group-1", topicFilter: "#"))
        )
        #expect(
            MQTTSharedSubscription.parse("$share/g//")
                == .shared(MQTTSharedSubscription(shareName: "g", topicFilter: "/"))
        )
        #expect(
            MQTTSharedSubscription.parse("$share/g/$SYS/+")
                == .shared(MQTTSharedSubscription(shareName: "g", topicFilter: "$SYS/+"))
        )
        for invalid in ["$share/g", "$share/", "$share//a", "$share/g/", "$share/g+/a", "$share/#/a", "$share/g/a/#/b"]
        {
            #expect(MQTTSharedSubscription.parse(invalid) == .invalid, "\(invalid)")
        }
        for plain in ["$shared/g/a", "$SHARE/g/a", "a/$share/g/x", "$share", "#", "share/g/a"] {
            #expect(MQTTSharedSubscription.parse(plain) == .notShared, "\(plain)")
        }
    }
}

/// The spec's tables: which property goes where, which reason code goes where.
@Suite struct MQTTProtocolTableTests {
    @Test func propertyTable() {
        #expect(MQTTPropertyIdentifier.allCases.count == 27)
        #expect(MQTTPropertyIdentifier.userProperty.allowedIn == .all)
        #expect(MQTTPropertyIdentifier.willDelayInterval.allowedIn == .will)
        #expect(MQTTPropertyIdentifier.subscriptionIdentifier.valueType == .variableByteInteger)
        #expect(MQTTPropertyIdentifier.subscriptionIdentifier.mayRepeat(in: .publish))
        #expect(!MQTTPropertyIdentifier.subscriptionIdentifier.mayRepeat(in: .subscribe))
        #expect(!MQTTPropertyIdentifier.contentType.mayRepeat(in: .publish))
        #expect(MQTTPropertyIdentifier.reasonString.allowedIn.contains(.auth))
        #expect(!MQTTPropertyIdentifier.reasonString.allowedIn.contains(.publish))
        for identifier in MQTTPropertyIdentifier.allCases {
            #expect(!identifier.allowedIn.isEmpty)
        }
    }

    @Test func reasonCodeTable() {
        #expect(MQTTReasonCode.allCases.count == 43)
        #expect(MQTTReasonCode.receiveMaximumExceeded.isAllowed(in: .disconnect))
        #expect(!MQTTReasonCode.receiveMaximumExceeded.isAllowed(in: .connack))
        #expect(MQTTReasonCode.packetTooLarge.isAllowed(in: .connack))
        #expect(MQTTReasonCode.noMatchingSubscribers.isAllowed(in: .pubrec))
        #expect(!MQTTReasonCode.noMatchingSubscribers.isAllowed(in: .pubrel))
        #expect(MQTTReasonCode.grantedQoS2.isAllowed(in: .suback))
        #expect(!MQTTReasonCode.grantedQoS2.isAllowed(in: .disconnect))
        #expect(MQTTReasonCode.normalDisconnection == .success && MQTTReasonCode.grantedQoS0 == .success)
        #expect(MQTTReasonCode.unspecifiedError.isFailure && !MQTTReasonCode.noSubscriptionExisted.isFailure)
        for code in MQTTReasonCode.allCases {
            #expect(!code.isAllowed(in: .publish) && !code.isAllowed(in: .pingreq))
        }
    }
}
