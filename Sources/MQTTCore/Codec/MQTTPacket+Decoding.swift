extension MQTTPacket {
    /// Decodes one packet's variable header and payload (`body`, exactly Remaining Length
    /// bytes). The fixed header's type and flags were checked by the parser; CONNECT brings its
    /// own protocol level, every other packet is read as `version`.
    static func decode(
        type: MQTTPacketType,
        flags: UInt8,
        body: UnsafeRawBufferPointer,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodingError) -> MQTTPacket {
        var reader = MQTTByteReader(body)
        let v5 = version == .v5
        let packet: MQTTPacket
        switch type {
        case .connect:
            packet = .connect(try MQTTConnect.decode(from: &reader))
        case .connack:
            packet = .connack(try MQTTConnAck.decode(from: &reader, v5: v5))
        case .publish:
            packet = .publish(try MQTTPublish.decode(from: &reader, flags: flags, v5: v5))
        case .puback:
            packet = .puback(try MQTTPublishAck.decode(from: &reader, type: type, v5: v5))
        case .pubrec:
            packet = .pubrec(try MQTTPublishAck.decode(from: &reader, type: type, v5: v5))
        case .pubrel:
            packet = .pubrel(try MQTTPublishAck.decode(from: &reader, type: type, v5: v5))
        case .pubcomp:
            packet = .pubcomp(try MQTTPublishAck.decode(from: &reader, type: type, v5: v5))
        case .subscribe:
            packet = .subscribe(try MQTTSubscribe.decode(from: &reader, v5: v5))
        case .suback:
            packet = .suback(try MQTTSubAck.decode(from: &reader, v5: v5))
        case .unsubscribe:
            packet = .unsubscribe(try MQTTUnsubscribe.decode(from: &reader, v5: v5))
        case .unsuback:
            packet = .unsuback(try MQTTUnsubAck.decode(from: &reader, v5: v5))
        case .pingreq:
            packet = .pingreq
        case .pingresp:
            packet = .pingresp
        case .disconnect:
            var disconnect = MQTTDisconnect()
            if v5 {
                (disconnect.reasonCode, disconnect.properties) = try Self.decodeReasonAndProperties(
                    from: &reader,
                    type: .disconnect,
                    context: .disconnect
                )
            }
            packet = .disconnect(disconnect)
        case .auth:
            var auth = MQTTAuth()
            (auth.reasonCode, auth.properties) = try Self.decodeReasonAndProperties(
                from: &reader,
                type: .auth,
                context: .auth
            )
            packet = .auth(auth)
        }
        try reader.expectEnd(type)
        return packet
    }

    /// DISCONNECT and AUTH: both optional, nothing at all meaning success without properties.
    static func decodeReasonAndProperties(
        from reader: inout MQTTByteReader,
        type: MQTTPacketType,
        context: MQTTPropertyContext
    ) throws(MQTTDecodingError) -> (MQTTReasonCode, MQTTProperties) {
        guard !reader.isAtEnd else { return (.success, MQTTProperties()) }
        let code = try MQTTReasonCode.decode(from: &reader, in: type)
        guard !reader.isAtEnd else { return (code, MQTTProperties()) }
        return (code, try MQTTProperties.decode(from: &reader, context: context, packet: type))
    }
}

extension MQTTReasonCode {
    static func decode(from reader: inout MQTTByteReader, in type: MQTTPacketType) throws(MQTTDecodingError) -> Self {
        let byte = try reader.readByte("reason code")
        guard let code = MQTTReasonCode(rawValue: byte), code.isAllowed(in: type) else {
            throw .protocolError("reason code 0x\(String(byte, radix: 16)) is not valid in \(type)")
        }
        return code
    }
}

extension MQTTPacketType {
    fileprivate static func readPacketIdentifier(from reader: inout MQTTByteReader) throws(MQTTDecodingError) -> UInt16
    {
        let identifier = try reader.readUInt16("packet identifier")
        guard identifier != 0 else { throw .malformed("packet identifier 0") }
        return identifier
    }
}

extension MQTTConnect {
    static func decode(from reader: inout MQTTByteReader) throws(MQTTDecodingError) -> MQTTConnect {
        let name = try reader.readString("protocol name")
        let level = try reader.readByte("protocol level")
        guard name == "MQTT", let version = MQTTProtocolVersion(rawValue: level) else {
            throw MQTTDecodingError(
                .unsupportedProtocolVersion,
                "protocol \"\(name)\" level \(level); only MQTT 3.1.1 (4) and 5.0 (5) are supported"
            )
        }
        let flags = try reader.readByte("connect flags")
        guard flags & 0x01 == 0 else { throw .malformed("reserved connect flag bit 0 is set") }
        let hasUsername = flags & 0x80 != 0
        let hasPassword = flags & 0x40 != 0
        let willRetain = flags & 0x20 != 0
        let willQoSBits = (flags >> 3) & 0x03
        let hasWill = flags & 0x04 != 0
        guard let willQoS = MQTTQoS(rawValue: willQoSBits) else { throw .malformed("will QoS 3") }
        if !hasWill {
            guard willQoSBits == 0, !willRetain else {
                throw .malformed("will QoS or will retain set without the will flag")
            }
        }
        if version == .v3_1_1, hasPassword, !hasUsername {
            throw .malformed("password flag set without the user name flag")
        }
        var connect = MQTTConnect(
            protocolVersion: version,
            cleanStart: flags & 0x02 != 0,
            keepAlive: try reader.readUInt16("keep alive"),
            clientIdentifier: ""
        )
        if version == .v5 {
            connect.properties = try MQTTProperties.decode(from: &reader, context: .connect, packet: .connect)
        }
        connect.clientIdentifier = try reader.readString("client identifier")
        if hasWill {
            var properties = MQTTProperties()
            if version == .v5 {
                properties = try MQTTProperties.decode(from: &reader, context: .will, packet: .connect)
            }
            let topic = try reader.readString("will topic")
            guard MQTTTopic.isValidName(topic) else {
                throw MQTTDecodingError(.topicNameInvalid, "will topic \"\(topic)\" is not a valid topic name")
            }
            let payload = try reader.readBinaryData("will payload")
            connect.will = MQTTWill(
                topic: topic,
                payload: payload,
                qos: willQoS,
                retain: willRetain,
                properties: properties
            )
        }
        if hasUsername {
            connect.username = try reader.readString("user name")
        }
        if hasPassword {
            connect.password = try reader.readBinaryData("password")
        }
        return connect
    }
}

extension MQTTConnAck {
    static func decode(from reader: inout MQTTByteReader, v5: Bool) throws(MQTTDecodingError) -> MQTTConnAck {
        let flags = try reader.readByte("connect acknowledge flags")
        guard flags & 0xFE == 0 else { throw .malformed("reserved connect acknowledge flags are set") }
        var connack = MQTTConnAck(sessionPresent: flags & 0x01 != 0)
        if v5 {
            connack.reasonCode = try MQTTReasonCode.decode(from: &reader, in: .connack)
            connack.properties = try MQTTProperties.decode(from: &reader, context: .connack, packet: .connack)
        } else {
            let byte = try reader.readByte("return code")
            guard let code = MQTTConnectReturnCode(rawValue: byte) else {
                throw .malformed("reserved CONNACK return code \(byte)")
            }
            connack.reasonCode = code.reasonCode
        }
        if connack.sessionPresent && connack.reasonCode != .success {
            throw .protocolError("session present on a refused connection")
        }
        return connack
    }
}

extension MQTTPublish {
    static func decode(from reader: inout MQTTByteReader, flags: UInt8, v5: Bool) throws(MQTTDecodingError)
        -> MQTTPublish
    {
        // The parser has rejected QoS 3 and DUP on QoS 0 already.
        let qos = MQTTQoS(rawValue: (flags >> 1) & 0x03) ?? .atMostOnce
        let topic = try reader.readString("topic name")
        var publish = MQTTPublish(
            topicName: topic,
            payload: [],
            qos: qos,
            retain: flags & 0x01 != 0,
            dup: flags & 0x08 != 0
        )
        if qos != .atMostOnce {
            publish.packetIdentifier = try MQTTPacketType.readPacketIdentifier(from: &reader)
        }
        if v5 {
            publish.properties = try MQTTProperties.decode(from: &reader, context: .publish, packet: .publish)
        }
        if topic.isEmpty {
            guard v5, publish.properties.topicAlias != nil else {
                throw .protocolError("empty topic name without a topic alias")
            }
        } else if !MQTTTopic.isValidName(topic) {
            throw MQTTDecodingError(.topicNameInvalid, "topic name \"\(topic)\" contains a wildcard")
        }
        publish.payload = reader.readRest()
        return publish
    }
}

extension MQTTPublishAck {
    static func decode(
        from reader: inout MQTTByteReader,
        type: MQTTPacketType,
        v5: Bool
    ) throws(MQTTDecodingError) -> MQTTPublishAck {
        var ack = MQTTPublishAck(packetIdentifier: try MQTTPacketType.readPacketIdentifier(from: &reader))
        if v5 {
            let context: MQTTPropertyContext
            switch type {
            case .puback: context = .puback
            case .pubrec: context = .pubrec
            case .pubrel: context = .pubrel
            default: context = .pubcomp
            }
            (ack.reasonCode, ack.properties) = try MQTTPacket.decodeReasonAndProperties(
                from: &reader,
                type: type,
                context: context
            )
        }
        return ack
    }
}

extension MQTTSubscribe {
    static func decode(from reader: inout MQTTByteReader, v5: Bool) throws(MQTTDecodingError) -> MQTTSubscribe {
        let identifier = try MQTTPacketType.readPacketIdentifier(from: &reader)
        var properties = MQTTProperties()
        if v5 {
            properties = try MQTTProperties.decode(from: &reader, context: .subscribe, packet: .subscribe)
        }
        var subscriptions: [MQTTSubscription] = []
        while !reader.isAtEnd {
            let filter = try reader.readString("topic filter")
            let byte = try reader.readByte("subscription options")
            subscriptions.append(MQTTSubscription(topicFilter: filter, options: try Self.options(byte, v5: v5)))
        }
        guard !subscriptions.isEmpty else { throw .protocolError("SUBSCRIBE without a topic filter") }
        return MQTTSubscribe(packetIdentifier: identifier, subscriptions: subscriptions, properties: properties)
    }

    private static func options(_ byte: UInt8, v5: Bool) throws(MQTTDecodingError) -> MQTTSubscriptionOptions {
        guard byte & (v5 ? 0xC0 : 0xFC) == 0 else {
            throw .malformed("reserved subscription option bits set in 0x\(String(byte, radix: 16))")
        }
        guard let qos = MQTTQoS(rawValue: byte & 0x03) else {
            throw v5 ? .protocolError("subscription QoS 3") : .malformed("subscription QoS 3")
        }
        guard let retainHandling = MQTTRetainHandling(rawValue: (byte >> 4) & 0x03) else {
            throw .protocolError("retain handling 3")
        }
        return MQTTSubscriptionOptions(
            maximumQoS: qos,
            noLocal: byte & 0x04 != 0,
            retainAsPublished: byte & 0x08 != 0,
            retainHandling: retainHandling
        )
    }
}

extension MQTTSubAck {
    static func decode(from reader: inout MQTTByteReader, v5: Bool) throws(MQTTDecodingError) -> MQTTSubAck {
        let identifier = try MQTTPacketType.readPacketIdentifier(from: &reader)
        var suback = MQTTSubAck(packetIdentifier: identifier, reasonCodes: [])
        if v5 {
            suback.properties = try MQTTProperties.decode(from: &reader, context: .suback, packet: .suback)
        }
        while !reader.isAtEnd {
            if v5 {
                suback.reasonCodes.append(try MQTTReasonCode.decode(from: &reader, in: .suback))
            } else {
                let byte = try reader.readByte("return code")
                switch byte {
                case 0x00, 0x01, 0x02: suback.reasonCodes.append(MQTTReasonCode(rawValue: byte) ?? .success)
                case 0x80: suback.reasonCodes.append(.unspecifiedError)
                default: throw .malformed("SUBACK return code 0x\(String(byte, radix: 16))")
                }
            }
        }
        guard !suback.reasonCodes.isEmpty else { throw .protocolError("SUBACK without a return code") }
        return suback
    }
}

extension MQTTUnsubscribe {
    static func decode(from reader: inout MQTTByteReader, v5: Bool) throws(MQTTDecodingError) -> MQTTUnsubscribe {
        let identifier = try MQTTPacketType.readPacketIdentifier(from: &reader)
        var unsubscribe = MQTTUnsubscribe(packetIdentifier: identifier, topicFilters: [])
        if v5 {
            unsubscribe.properties = try MQTTProperties.decode(
                from: &reader,
                context: .unsubscribe,
                packet: .unsubscribe
            )
        }
        while !reader.isAtEnd {
            unsubscribe.topicFilters.append(try reader.readString("topic filter"))
        }
        guard !unsubscribe.topicFilters.isEmpty else { throw .protocolError("UNSUBSCRIBE without a topic filter") }
        return unsubscribe
    }
}

extension MQTTUnsubAck {
    static func decode(from reader: inout MQTTByteReader, v5: Bool) throws(MQTTDecodingError) -> MQTTUnsubAck {
        var unsuback = MQTTUnsubAck(packetIdentifier: try MQTTPacketType.readPacketIdentifier(from: &reader))
        guard v5 else { return unsuback }
        unsuback.properties = try MQTTProperties.decode(from: &reader, context: .unsuback, packet: .unsuback)
        while !reader.isAtEnd {
            unsuback.reasonCodes.append(try MQTTReasonCode.decode(from: &reader, in: .unsuback))
        }
        guard !unsuback.reasonCodes.isEmpty else { throw .protocolError("UNSUBACK without a reason code") }
        return unsuback
    }
}
