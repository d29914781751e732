extension MQTTPacket {
    /// The packet's bytes for a connection speaking `version` (CONNECT uses its own).
    public func encoded(version: MQTTProtocolVersion) -> [UInt8] {
        var buffer: [UInt8] = []
        self.encode(version: version, into: &buffer)
        return buffer
    }

    /// Appends the packet's bytes. Fields the version cannot carry are left out: reason codes
    /// and properties in 3.1.1, where a failure code becomes the nearest 3.1.1 code (CONNACK)
    /// or 0x80 (SUBACK). AUTH exists only in 5.0; a 3.1.1 connection never sends it.
    ///
    /// Values are trusted, not validated: strings and binary fields must stay within 65,535
    /// bytes and the whole packet within MQTT's 256 MB, as the router's limits ensure.
    public func encode(version: MQTTProtocolVersion, into buffer: inout [UInt8]) {
        let v5 = version == .v5
        buffer.append(self.type.rawValue << 4 | self.flags)
        let bodyStart = buffer.count
        switch self {
        case .connect(let connect):
            connect.encodeBody(into: &buffer)
        case .connack(let connack):
            buffer.append(connack.sessionPresent ? 1 : 0)
            if v5 {
                buffer.append(connack.reasonCode.rawValue)
                connack.properties.encode(into: &buffer)
            } else {
                buffer.append(MQTTConnectReturnCode(connack.reasonCode).rawValue)
            }
        case .publish(let publish):
            MQTTWire.appendString(publish.topicName, to: &buffer)
            if publish.qos != .atMostOnce {
                MQTTWire.appendUInt16(publish.packetIdentifier ?? 0, to: &buffer)
            }
            if v5 {
                publish.properties.encode(into: &buffer)
            }
            buffer.append(contentsOf: publish.payload)
        case .puback(let ack), .pubrec(let ack), .pubrel(let ack), .pubcomp(let ack):
            MQTTWire.appendUInt16(ack.packetIdentifier, to: &buffer)
            if v5 {
                Self.encodeOptionalReason(ack.reasonCode, ack.properties, into: &buffer)
            }
        case .subscribe(let subscribe):
            MQTTWire.appendUInt16(subscribe.packetIdentifier, to: &buffer)
            if v5 {
                subscribe.properties.encode(into: &buffer)
            }
            for subscription in subscribe.subscriptions {
                MQTTWire.appendString(subscription.topicFilter, to: &buffer)
                buffer.append(subscription.options.encoded(v5: v5))
            }
        case .suback(let suback):
            MQTTWire.appendUInt16(suback.packetIdentifier, to: &buffer)
            if v5 {
                suback.properties.encode(into: &buffer)
                for code in suback.reasonCodes {
                    buffer.append(code.rawValue)
                }
            } else {
                for code in suback.reasonCodes {
                    buffer.append(code.isFailure || code.rawValue > 2 ? 0x80 : code.rawValue)
                }
            }
        case .unsubscribe(let unsubscribe):
            MQTTWire.appendUInt16(unsubscribe.packetIdentifier, to: &buffer)
            if v5 {
                unsubscribe.properties.encode(into: &buffer)
            }
            for filter in unsubscribe.topicFilters {
                MQTTWire.appendString(filter, to: &buffer)
            }
        case .unsuback(let unsuback):
            MQTTWire.appendUInt16(unsuback.packetIdentifier, to: &buffer)
            if v5 {
                unsuback.properties.encode(into: &buffer)
                for code in unsuback.reasonCodes {
                    buffer.append(code.rawValue)
                }
            }
        case .pingreq, .pingresp:
            break
        case .disconnect(let disconnect):
            if v5 {
                Self.encodeOptionalReason(disconnect.reasonCode, disconnect.properties, into: &buffer)
            }
        case .auth(let auth):
            if v5 {
                Self.encodeOptionalReason(auth.reasonCode, auth.properties, into: &buffer)
            }
        }
        MQTTVariableByteInteger.insert(buffer.count - bodyStart, into: &buffer, at: bodyStart)
    }

    /// The fixed header's low nibble.
    var flags: UInt8 {
        switch self {
        case .publish(let publish):
            return (publish.dup ? 0x08 : 0) | publish.qos.rawValue << 1 | (publish.retain ? 0x01 : 0)
        default:
            return self.type.requiredFlags ?? 0
        }
    }

    /// The 5.0 acks, DISCONNECT and AUTH leave out what is implied: the properties when there
    /// are none, and the reason code too when it is success without properties.
    private static func encodeOptionalReason(
        _ reasonCode: MQTTReasonCode,
        _ properties: MQTTProperties,
        into buffer: inout [UInt8]
    ) {
        let hasProperties = !properties.isEmpty
        guard reasonCode != .success || hasProperties else { return }
        buffer.append(reasonCode.rawValue)
        if hasProperties {
            properties.encode(into: &buffer)
        }
    }
}

extension MQTTConnect {
    fileprivate func encodeBody(into buffer: inout [UInt8]) {
        let v5 = self.protocolVersion == .v5
        MQTTWire.appendString("MQTT", to: &buffer)
        buffer.append(self.protocolVersion.rawValue)
        var flags: UInt8 = self.cleanStart ? 0x02 : 0
        if let will = self.will {
            flags |= 0x04 | will.qos.rawValue << 3 | (will.retain ? 0x20 : 0)
        }
        if self.password != nil { flags |= 0x40 }
        if self.username != nil { flags |= 0x80 }
        buffer.append(flags)
        MQTTWire.appendUInt16(self.keepAlive, to: &buffer)
        if v5 {
            self.properties.encode(into: &buffer)
        }
        MQTTWire.appendString(self.clientIdentifier, to: &buffer)
        if let will = self.will {
            if v5 {
                will.properties.encode(into: &buffer)
            }
            MQTTWire.appendString(will.topic, to: &buffer)
            MQTTWire.appendBinary(will.payload, to: &buffer)
        }
        if let username = self.username {
            MQTTWire.appendString(username, to: &buffer)
        }
        if let password = self.password {
            MQTTWire.appendBinary(password, to: &buffer)
        }
    }
}

extension MQTTSubscriptionOptions {
    fileprivate func encoded(v5: Bool) -> UInt8 {
        guard v5 else { return self.maximumQoS.rawValue }
        return self.maximumQoS.rawValue | (self.noLocal ? 0x04 : 0) | (self.retainAsPublished ? 0x08 : 0)
            | self.retainHandling.rawValue << 4
    }
}
