import Foundation
import Testing

@testable import WAMPCore

/// Runs the WAMP conformance test vectors (`shared/wamp-testsuite/singlemessage`) through our
/// serializers and message decoding.
@Suite struct TestVectorTests {
    static let vectorDirectory = sharedDirectory.appendingPathComponent("wamp-testsuite/singlemessage")

    /// One `samples` entry with the file it came from, for failure messages.
    struct Sample {
        var file: String
        var index: Int
        var fields: [String: WAMPValue]

        var label: String {
            "\(self.file)#\(self.index) (\(self.fields["description"]?.stringValue ?? "?"))"
        }
    }

    static func loadSamples() throws -> [Sample] {
        let enumerator = FileManager.default.enumerator(at: vectorDirectory, includingPropertiesForKeys: nil)
        var files: [URL] = []
        while let url = enumerator?.nextObject() as? URL {
            if url.pathExtension == "json" { files.append(url) }
        }
        files.sort { $0.path < $1.path }
        var samples: [Sample] = []
        for url in files {
            let file = try loadJSONFile(url)
            let name = url.path.replacingOccurrences(of: vectorDirectory.path + "/", with: "")
            for (index, sample) in (file["samples"]?.listValue ?? []).enumerated() {
                samples.append(Sample(file: name, index: index, fields: sample.dictValue ?? [:]))
            }
        }
        return samples
    }

    /// The value of a test-suite attribute in a decoded message; `nil` when the message has no
    /// such attribute (which fails the test, so new attribute names cannot pass silently).
    static func attribute(_ name: String, of message: WAMPMessage) -> WAMPValue? {
        func optionalDict(_ dict: WAMPDict?) -> WAMPValue { dict.map(WAMPValue.dict) ?? .null }
        func args(_ payload: Payload) -> WAMPValue { payload.args.map(WAMPValue.list) ?? .null }
        func kwargs(_ payload: Payload) -> WAMPValue { payload.kwargs.map(WAMPValue.dict) ?? .null }
        func transparent(_ payload: Payload) -> WAMPValue {
            if case .transparent(let bytes) = payload { return .binary(bytes) }
            return .null
        }
        if name == "message_type" { return .uint(message.type.rawValue) }
        switch (message, name) {
        case (.hello(let m), "realm"): return .string(m.realm)
        case (.hello(let m), "details"): return .dict(m.details)
        case (.hello(let m), "roles"): return m.details["roles"]
        case (.welcome(let m), "session_id"): return .uint(m.session)
        case (.welcome(let m), "details"): return .dict(m.details)
        case (.welcome(let m), "roles"): return m.details["roles"]
        case (.abort(let m), "details"): return .dict(m.details)
        case (.abort(let m), "reason"): return .string(m.reason)
        case (.goodbye(let m), "details"): return .dict(m.details)
        case (.goodbye(let m), "reason"): return .string(m.reason)
        case (.challenge(let m), "method"): return .string(m.authMethod)
        case (.challenge(let m), "extra"): return .dict(m.extra)
        case (.authenticate(let m), "signature"): return .string(m.signature)
        case (.authenticate(let m), "extra"): return .dict(m.extra)
        case (.error(let m), "request_type"): return .uint(m.requestType.rawValue)
        case (.error(let m), "request_id"): return .uint(m.request)
        case (.error(let m), "details"): return .dict(m.details)
        case (.error(let m), "error"): return .string(m.error)
        case (.error(let m), "args"): return args(m.payload)
        case (.error(let m), "kwargs"): return kwargs(m.payload)
        case (.error(let m), "payload"): return transparent(m.payload)
        case (.publish(let m), "request_id"): return .uint(m.request)
        case (.publish(let m), "options"): return .dict(m.options)
        case (.publish(let m), "topic"): return .string(m.topic)
        case (.publish(let m), "args"): return args(m.payload)
        case (.publish(let m), "kwargs"): return kwargs(m.payload)
        case (.publish(let m), "payload"): return transparent(m.payload)
        case (.published(let m), "request_id"): return .uint(m.request)
        case (.published(let m), "publication"), (.published(let m), "publication_id"): return .uint(m.publication)
        case (.subscribe(let m), "request_id"): return .uint(m.request)
        case (.subscribe(let m), "options"): return .dict(m.options)
        case (.subscribe(let m), "topic"): return .string(m.topic)
        case (.subscribed(let m), "request_id"): return .uint(m.request)
        case (.subscribed(let m), "subscription"), (.subscribed(let m), "subscription_id"): return .uint(m.subscription)
        case (.unsubscribe(let m), "request_id"): return .uint(m.request)
        case (.unsubscribe(let m), "subscription"), (.unsubscribe(let m), "subscription_id"): return .uint(m.subscription)
        case (.unsubscribed(let m), "request_id"): return .uint(m.request)
        case (.unsubscribed(let m), "details"): return optionalDict(m.details)
        case (.event(let m), "subscription"), (.event(let m), "subscription_id"): return .uint(m.subscription)
        case (.event(let m), "publication"), (.event(let m), "publication_id"): return .uint(m.publication)
        case (.event(let m), "details"): return .dict(m.details)
        case (.event(let m), "args"): return args(m.payload)
        case (.event(let m), "kwargs"): return kwargs(m.payload)
        case (.event(let m), "payload"): return transparent(m.payload)
        case (.eventReceived(let m), "publication"), (.eventReceived(let m), "publication_id"): return .uint(m.publication)
        case (.eventReceived(let m), "details"): return optionalDict(m.details)
        case (.eventReceived(let m), "args"): return args(m.payload)
        case (.eventReceived(let m), "kwargs"): return kwargs(m.payload)
        case (.eventReceived(let m), "payload"): return transparent(m.payload)
        case (.call(let m), "request_id"): return .uint(m.request)
        case (.call(let m), "options"): return .dict(m.options)
        case (.call(let m), "procedure"): return .string(m.procedure)
        case (.call(let m), "args"): return args(m.payload)
        case (.call(let m), "kwargs"): return kwargs(m.payload)
        case (.call(let m), "payload"): return transparent(m.payload)
        case (.cancel(let m), "request_id"): return .uint(m.request)
        case (.cancel(let m), "options"): return .dict(m.options)
        case (.result(let m), "request_id"): return .uint(m.request)
        case (.result(let m), "details"): return .dict(m.details)
        case (.result(let m), "args"): return args(m.payload)
        case (.result(let m), "kwargs"): return kwargs(m.payload)
        case (.result(let m), "payload"): return transparent(m.payload)
        case (.register(let m), "request_id"): return .uint(m.request)
        case (.register(let m), "options"): return .dict(m.options)
        case (.register(let m), "procedure"): return .string(m.procedure)
        case (.registered(let m), "request_id"): return .uint(m.request)
        case (.registered(let m), "registration_id"), (.registered(let m), "registration"): return .uint(m.registration)
        case (.unregister(let m), "request_id"): return .uint(m.request)
        case (.unregister(let m), "registration_id"), (.unregister(let m), "registration"): return .uint(m.registration)
        case (.unregistered(let m), "request_id"): return .uint(m.request)
        case (.unregistered(let m), "details"): return optionalDict(m.details)
        case (.invocation(let m), "request_id"): return .uint(m.request)
        case (.invocation(let m), "registration_id"), (.invocation(let m), "registration"): return .uint(m.registration)
        case (.invocation(let m), "details"): return .dict(m.details)
        case (.invocation(let m), "args"): return args(m.payload)
        case (.invocation(let m), "kwargs"): return kwargs(m.payload)
        case (.invocation(let m), "payload"): return transparent(m.payload)
        case (.interrupt(let m), "request_id"): return .uint(m.request)
        case (.interrupt(let m), "options"): return .dict(m.options)
        case (.yield(let m), "request_id"): return .uint(m.request)
        case (.yield(let m), "options"): return .dict(m.options)
        case (.yield(let m), "args"): return args(m.payload)
        case (.yield(let m), "kwargs"): return kwargs(m.payload)
        case (.yield(let m), "payload"): return transparent(m.payload)
        default: return nil
        }
    }

    /// The expected value of an attribute as the test suite writes it: `payload` is hex text.
    static func expectedValue(_ name: String, _ value: WAMPValue) -> WAMPValue {
        if name == "payload", case .string(let hex) = value { return .binary(bytes(hex: hex)) }
        return value
    }

    @Test("every serialized sample decodes to the expected message and round-trips")
    func serializedSamples() throws {
        let samples = try Self.loadSamples()
        let serializers: [String: any WAMPSerializer] = [
            "json": JSONSerializer(), "msgpack": MessagePackSerializer(), "cbor": CBORSerializer(),
        ]
        var checked: [String: Int] = [:]
        var samplesWithSerializers = 0
        var comparedAttributes = 0
        for sample in samples {
            guard let perSerializer = sample.fields["serializers"]?.dictValue else { continue }
            samplesWithSerializers += 1
            let expected = sample.fields["expected_attributes"]?.dictValue ?? [:]
            #expect(!expected.isEmpty, "\(sample.label) has no expected_attributes")
            var decodedMessages: [WAMPMessage] = []
            for name in ["json", "msgpack", "cbor"] {
                let serializer = serializers[name]!
                for (variant, entry) in (perSerializer[name]?.listValue ?? []).enumerated() {
                    let context = "\(sample.label) \(name)[\(variant)]"
                    guard let hex = entry["bytes_hex"]?.stringValue else {
                        Issue.record("\(context) has no bytes_hex")
                        continue
                    }
                    let message: WAMPMessage
                    do {
                        message = try WAMPMessage(from: try serializer.decode(bytes(hex: hex)))
                    } catch {
                        Issue.record("\(context) failed to decode: \(error)")
                        continue
                    }
                    checked[name, default: 0] += 1
                    decodedMessages.append(message)
                    for (attribute, expectedValue) in expected {
                        guard let actual = Self.attribute(attribute, of: message) else {
                            Issue.record("\(context): \(message.type) has no attribute \(attribute)")
                            continue
                        }
                        let wanted = Self.expectedValue(attribute, expectedValue)
                        comparedAttributes += 1
                        #expect(actual.isNumericallyEqual(to: wanted), "\(context).\(attribute): \(actual) != \(wanted)")
                    }
                    // Re-encode with the same serializer and decode again: the same message.
                    let reencoded = message.encoded(with: serializer)
                    do {
                        let again = try WAMPMessage(from: try serializer.decode(reencoded))
                        #expect(again == message, "\(context) changed on re-encoding: \(again) vs \(message)")
                    } catch {
                        Issue.record("\(context) re-encoding did not decode: \(error)")
                    }
                }
            }
            // All serializers carry the same message, and decoders agree on value representation.
            for message in decodedMessages.dropFirst() {
                #expect(message == decodedMessages[0], "\(sample.label): serializers disagree")
            }
        }
        #expect(samplesWithSerializers == 35)
        #expect(comparedAttributes == 547)
        #expect(checked["json"] == 59)
        #expect(checked["msgpack"] == 35)
        #expect(checked["cbor"] == 35)
    }

    /// Message codes whose Arguments position may hold a transparent payload, and that position.
    static let payloadIndex: [UInt64: Int] = [8: 5, 16: 4, 36: 4, 48: 4, 50: 3, 68: 4, 70: 3]

    /// A `wmsg` as WAMP code would build it: in the vectors a transparent payload is written as a
    /// hex string, which stands for the binary a real serializer would deliver.
    static func messageValue(fromWmsg wmsg: WAMPValue) -> WAMPValue {
        guard case .list(var elements) = wmsg, let code = elements.first?.unsignedInteger,
            let index = Self.payloadIndex[code], index < elements.count,
            case .string(let hex) = elements[index],
            elements.contains(where: { $0["enc_algo"] != nil || $0["ppt_scheme"] != nil })
        else { return wmsg }
        elements[index] = .binary(bytes(hex: hex))
        return .list(elements)
    }

    @Test("every wmsg sample is accepted or rejected as the vectors say")
    func wmsgSamples() throws {
        let samples = try Self.loadSamples()
        var accepted = 0
        var rejected = 0
        for sample in samples {
            guard let wmsg = sample.fields["wmsg"] else { continue }
            let value = Self.messageValue(fromWmsg: wmsg)
            let expectedError = sample.fields["expected_error"].flatMap { $0.isNull ? nil : $0 }
            do {
                let message = try WAMPMessage(from: value)
                if let expectedError {
                    Issue.record("\(sample.label) decoded to \(message) but expected \(expectedError)")
                } else {
                    accepted += 1
                    // The accepted message also survives every serializer.
                    for (name, serializer) in allSerializers {
                        let again = try? WAMPMessage(from: try serializer.decode(message.encoded(with: serializer)))
                        #expect(again == message, "\(sample.label) via \(name)")
                    }
                }
            } catch {
                guard let expectedError else {
                    Issue.record("\(sample.label) was rejected: \(error)")
                    continue
                }
                #expect(expectedError["type"]?.stringValue == "protocol_violation", "\(sample.label)")
                let needle = expectedError["contains"]?.stringValue ?? ""
                #expect(error.message.contains(needle), "\(sample.label): '\(error.message)' lacks '\(needle)'")
                rejected += 1
            }
        }
        #expect(accepted == 39)
        #expect(rejected == 28)
    }
}
