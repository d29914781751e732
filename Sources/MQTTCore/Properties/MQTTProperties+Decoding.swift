extension MQTTProperties {
    /// Reads a property list: its length (Variable Byte Integer), then identifier/value pairs
    /// filling exactly that many bytes.
    ///
    /// Unknown identifiers and values that run past the list are malformed; a property the
    /// context may not carry, a repeat the spec forbids, or a value outside its range (a
    /// Receive Maximum of 0, a Payload Format Indicator of 2, ...) is a protocol error (§2.2.2.2).
    static func decode(
        from reader: inout MQTTByteReader,
        context: MQTTPropertyContext,
        packet: MQTTPacketType
    ) throws(MQTTDecodingError) -> MQTTProperties {
        let length = try reader.readVariableByteInteger("property length")
        guard length <= reader.remaining else {
            throw .malformed("property length \(length) exceeds the \(reader.remaining) bytes left in \(packet)")
        }
        var list = MQTTByteReader(try reader.take(length, "properties"))
        var values = Values()
        var seen: UInt64 = 0
        while !list.isAtEnd {
            let raw = try list.readVariableByteInteger("property identifier")
            guard raw <= UInt8.max, let identifier = MQTTPropertyIdentifier(rawValue: UInt8(raw)) else {
                throw .malformed("unknown property identifier 0x\(String(raw, radix: 16)) in \(packet)")
            }
            guard identifier.allowedIn.contains(context) else {
                throw .protocolError("property \(identifier) is not allowed in \(Self.name(context, packet))")
            }
            let bit: UInt64 = 1 << UInt64(identifier.rawValue)
            if seen & bit != 0 && !identifier.mayRepeat(in: context) {
                throw .protocolError("property \(identifier) appears twice in \(Self.name(context, packet))")
            }
            seen |= bit
            try values.read(identifier, from: &list)
        }
        return MQTTProperties(values)
    }

    private static func name(_ context: MQTTPropertyContext, _ packet: MQTTPacketType) -> String {
        context == .will ? "the will properties" : "\(packet)"
    }
}

extension MQTTProperties.Values {
    fileprivate mutating func read(
        _ identifier: MQTTPropertyIdentifier,
        from list: inout MQTTByteReader
    ) throws(MQTTDecodingError) {
        let what = "property \(identifier)"
        switch identifier {
        case .payloadFormatIndicator:
            let byte = try list.readByte(what)
            guard let format = MQTTPayloadFormat(rawValue: byte) else {
                throw .protocolError("payload format indicator \(byte) is neither 0 nor 1")
            }
            self.payloadFormatIndicator = format
        case .messageExpiryInterval:
            self.messageExpiryInterval = try list.readUInt32(what)
        case .contentType:
            self.contentType = try list.readString(what)
        case .responseTopic:
            let topic = try list.readString(what)
            guard MQTTTopic.isValidName(topic) else {
                throw .protocolError("response topic \"\(topic)\" is not a valid topic name")
            }
            self.responseTopic = topic
        case .correlationData:
            self.correlationData = try list.readBinaryData(what)
        case .subscriptionIdentifier:
            let value = try list.readVariableByteInteger(what)
            guard value != 0 else { throw .protocolError("subscription identifier 0") }
            self.subscriptionIdentifiers.append(value)
        case .sessionExpiryInterval:
            self.sessionExpiryInterval = try list.readUInt32(what)
        case .assignedClientIdentifier:
            self.assignedClientIdentifier = try list.readString(what)
        case .serverKeepAlive:
            self.serverKeepAlive = try list.readUInt16(what)
        case .authenticationMethod:
            self.authenticationMethod = try list.readString(what)
        case .authenticationData:
            self.authenticationData = try list.readBinaryData(what)
        case .requestProblemInformation:
            self.requestProblemInformation = try Self.readBoolean(identifier, from: &list)
        case .willDelayInterval:
            self.willDelayInterval = try list.readUInt32(what)
        case .requestResponseInformation:
            self.requestResponseInformation = try Self.readBoolean(identifier, from: &list)
        case .responseInformation:
            self.responseInformation = try list.readString(what)
        case .serverReference:
            self.serverReference = try list.readString(what)
        case .reasonString:
            self.reasonString = try list.readString(what)
        case .receiveMaximum:
            let value = try list.readUInt16(what)
            guard value != 0 else { throw .protocolError("receive maximum 0") }
            self.receiveMaximum = value
        case .topicAliasMaximum:
            self.topicAliasMaximum = try list.readUInt16(what)
        case .topicAlias:
            let value = try list.readUInt16(what)
            guard value != 0 else { throw MQTTDecodingError(.topicAliasInvalid, "topic alias 0") }
            self.topicAlias = value
        case .maximumQoS:
            let byte = try list.readByte(what)
            guard byte <= 1, let qos = MQTTQoS(rawValue: byte) else {
                throw .protocolError("maximum QoS \(byte) is neither 0 nor 1")
            }
            self.maximumQoS = qos
        case .retainAvailable:
            self.retainAvailable = try Self.readBoolean(identifier, from: &list)
        case .userProperty:
            let name = try list.readString(what)
            let value = try list.readString(what)
            self.userProperties.append(MQTTUserProperty(name, value))
        case .maximumPacketSize:
            let value = try list.readUInt32(what)
            guard value != 0 else { throw .protocolError("maximum packet size 0") }
            self.maximumPacketSize = value
        case .wildcardSubscriptionAvailable:
            self.wildcardSubscriptionAvailable = try Self.readBoolean(identifier, from: &list)
        case .subscriptionIdentifierAvailable:
            self.subscriptionIdentifierAvailable = try Self.readBoolean(identifier, from: &list)
        case .sharedSubscriptionAvailable:
            self.sharedSubscriptionAvailable = try Self.readBoolean(identifier, from: &list)
        }
    }

    private static func readBoolean(
        _ identifier: MQTTPropertyIdentifier,
        from list: inout MQTTByteReader
    ) throws(MQTTDecodingError) -> Bool {
        let byte = try list.readByte("property \(identifier)")
        guard byte <= 1 else { throw .protocolError("property \(identifier) is \(byte), not 0 or 1") }
        return byte == 1
    }
}
