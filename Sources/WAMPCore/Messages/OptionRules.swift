/// Type rules for the Options and Details keys the spec defines, checked on decode so that a
/// malformed option (`acknowledge: "yes"`) is a protocol violation rather than a silent default.
/// Keys the spec does not define pass unchecked: peers may send extensions.
enum OptionRules {
    enum Rule {
        case bool
        case string
        case id
        case nonNegativeInteger
        case idList
        case stringList
        case dict
        case forwardFor
        case oneOf(Set<String>)
        case encAlgo
    }

    static let ppt: [String: Rule] = [
        "ppt_scheme": .string, "ppt_serializer": .string, "ppt_cipher": .string, "ppt_keyid": .string,
        "enc_algo": .encAlgo, "enc_serializer": .oneOf(["json", "msgpack", "cbor", "ubjson", "flatbuffers"]),
        "enc_key": .string, "forward_for": .forwardFor,
    ]

    static let hello: [String: Rule] = [
        "roles": .dict, "authmethods": .stringList, "authid": .string, "authrole": .string, "authextra": .dict,
    ]

    static let publish: [String: Rule] = ppt.merging([
        "acknowledge": .bool, "exclude_me": .bool, "disclose_me": .bool, "retain": .bool,
        "exclude": .idList, "exclude_authid": .stringList, "exclude_authrole": .stringList,
        "eligible": .idList, "eligible_authid": .stringList, "eligible_authrole": .stringList,
        "transaction_hash": .string,
    ]) { a, _ in a }

    static let subscribe: [String: Rule] = [
        "match": .oneOf(["exact", "prefix", "wildcard"]), "get_retained": .bool, "forward_for": .forwardFor,
    ]

    static let event: [String: Rule] = ppt.merging([
        "publisher": .id, "publisher_authid": .string, "publisher_authrole": .string, "topic": .string,
        "retained": .bool, "transaction_hash": .string, "x_acknowledged_delivery": .bool,
        "trustlevel": .nonNegativeInteger,
    ]) { a, _ in a }

    static let call: [String: Rule] = ppt.merging([
        "timeout": .nonNegativeInteger, "receive_progress": .bool, "disclose_me": .bool, "progress": .bool,
    ]) { a, _ in a }

    static let cancel: [String: Rule] = [
        "mode": .oneOf(["skip", "kill", "killnowait"]), "reason": .string,
    ]

    static let result: [String: Rule] = ppt.merging(["progress": .bool]) { a, _ in a }

    static let register: [String: Rule] = [
        "match": .oneOf(["exact", "prefix", "wildcard"]),
        "invoke": .oneOf(["single", "roundrobin", "random", "first", "last"]),
        "disclose_caller": .bool, "concurrency": .nonNegativeInteger, "force_reregister": .bool,
        "forward_for": .forwardFor,
    ]

    static let invocation: [String: Rule] = ppt.merging([
        "caller": .id, "caller_authid": .string, "caller_authrole": .string, "procedure": .string,
        "receive_progress": .bool, "progress": .bool, "timeout": .nonNegativeInteger,
        "trustlevel": .nonNegativeInteger,
    ]) { a, _ in a }

    static let yield: [String: Rule] = ppt.merging(["progress": .bool]) { a, _ in a }

    static func check(_ dict: WAMPDict, _ rules: [String: Rule], in place: String) throws(ProtocolViolation) {
        for (key, value) in dict {
            guard let rule = rules[key] else { continue }
            guard self.matches(value, rule) else {
                throw ProtocolViolation("\(place).\(key) has an invalid type or value")
            }
        }
    }

    private static func matches(_ value: WAMPValue, _ rule: Rule) -> Bool {
        switch rule {
        case .bool:
            return value.boolValue != nil
        case .string:
            return value.stringValue != nil
        case .id:
            return value.unsignedInteger.map(WAMPID.isValid) ?? false
        case .nonNegativeInteger:
            return value.unsignedInteger != nil
        case .idList:
            return value.listValue?.allSatisfy { $0.unsignedInteger.map(WAMPID.isValid) ?? false } ?? false
        case .stringList:
            return value.listValue?.allSatisfy { $0.stringValue != nil } ?? false
        case .dict:
            return value.dictValue != nil
        case .forwardFor:
            return value.listValue?.allSatisfy { $0.dictValue != nil } ?? false
        case .oneOf(let allowed):
            return value.stringValue.map(allowed.contains) ?? false
        case .encAlgo:
            guard let algo = value.stringValue else { return false }
            return ["cryptobox", "mqtt", "xbr"].contains(algo) || algo.hasPrefix("x_")
        }
    }
}
