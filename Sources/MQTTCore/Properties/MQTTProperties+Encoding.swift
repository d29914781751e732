extension MQTTProperties {
    /// Appends the property list: its length, then every present property in identifier order
    /// (user properties and subscription identifiers in their own order).
    ///
    /// The encoder trusts the value: it writes whatever the router put there, including
    /// properties the packet should not carry; the router is the one that must not.
    func encode(into buffer: inout [UInt8]) {
        let start = buffer.count
        self.storage?.values.encodeBody(into: &buffer)
        MQTTVariableByteInteger.insert(buffer.count - start, into: &buffer, at: start)
    }
}

extension MQTTProperties.Values {
    fileprivate func encodeBody(into buffer: inout [UInt8]) {
        func id(_ identifier: MQTTPropertyIdentifier) {
            buffer.append(identifier.rawValue)
        }
        if let value = self.payloadFormatIndicator {
            id(.payloadFormatIndicator)
            buffer.append(value.rawValue)
        }
        if let value = self.messageExpiryInterval {
            id(.messageExpiryInterval)
            MQTTWire.appendUInt32(value, to: &buffer)
        }
        if let value = self.contentType {
            id(.contentType)
            MQTTWire.appendString(value, to: &buffer)
        }
        if let value = self.responseTopic {
            id(.responseTopic)
            MQTTWire.appendString(value, to: &buffer)
        }
        if let value = self.correlationData {
            id(.correlationData)
            MQTTWire.appendBinary(value, to: &buffer)
        }
        for value in self.subscriptionIdentifiers {
            id(.subscriptionIdentifier)
            MQTTVariableByteInteger.encode(value, into: &buffer)
        }
        if let value = self.sessionExpiryInterval {
            id(.sessionExpiryInterval)
            MQTTWire.appendUInt32(value, to: &buffer)
        }
        if let value = self.assignedClientIdentifier {
            id(.assignedClientIdentifier)
            MQTTWire.appendString(value, to: &buffer)
        }
        if let value = self.serverKeepAlive {
            id(.serverKeepAlive)
            MQTTWire.appendUInt16(value, to: &buffer)
        }
        if let value = self.authenticationMethod {
            id(.authenticationMethod)
            MQTTWire.appendString(value, to: &buffer)
        }
        if let value = self.authenticationData {
            id(.authenticationData)
            MQTTWire.appendBinary(value, to: &buffer)
        }
        if let value = self.requestProblemInformation {
            id(.requestProblemInformation)
            buffer.append(value ? 1 : 0)
        }
        if let value = self.willDelayInterval {
            id(.willDelayInterval)
            MQTTWire.appendUInt32(value, to: &buffer)
        }
        if let value = self.requestResponseInformation {
            id(.requestResponseInformation)
            buffer.append(value ? 1 : 0)
        }
        if let value = self.responseInformation {
            id(.responseInformation)
            MQTTWire.appendString(value, to: &buffer)
        }
        if let value = self.serverReference {
            id(.serverReference)
            MQTTWire.appendString(value, to: &buffer)
        }
        if let value = self.reasonString {
            id(.reasonString)
            MQTTWire.appendString(value, to: &buffer)
        }
        if let value = self.receiveMaximum {
            id(.receiveMaximum)
            MQTTWire.appendUInt16(value, to: &buffer)
        }
        if let value = self.topicAliasMaximum {
            id(.topicAliasMaximum)
            MQTTWire.appendUInt16(value, to: &buffer)
        }
        if let value = self.topicAlias {
            id(.topicAlias)
            MQTTWire.appendUInt16(value, to: &buffer)
        }
        if let value = self.maximumQoS {
            id(.maximumQoS)
            buffer.append(value.rawValue)
        }
        if let value = self.retainAvailable {
            id(.retainAvailable)
            buffer.append(value ? 1 : 0)
        }
        for property in self.userProperties {
            id(.userProperty)
            MQTTWire.appendString(property.name, to: &buffer)
            MQTTWire.appendString(property.value, to: &buffer)
        }
        if let value = self.maximumPacketSize {
            id(.maximumPacketSize)
            MQTTWire.appendUInt32(value, to: &buffer)
        }
        if let value = self.wildcardSubscriptionAvailable {
            id(.wildcardSubscriptionAvailable)
            buffer.append(value ? 1 : 0)
        }
        if let value = self.subscriptionIdentifierAvailable {
            id(.subscriptionIdentifierAvailable)
            buffer.append(value ? 1 : 0)
        }
        if let value = self.sharedSubscriptionAvailable {
            id(.sharedSubscriptionAvailable)
            buffer.append(value ? 1 : 0)
        }
    }
}
