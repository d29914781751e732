/// Where a subscriber is in a topic's stream (Junction's event streams, not in the WAMP spec): the
/// offset of the last event it has, in an epoch.
///
/// Every publication to a topic covered by an `event_history` rule gets the next offset of that
/// topic (`EVENT.Details._offset`); the epoch (`_epoch`) names the history those offsets belong to
/// and changes when it is lost, so an offset is only meaningful together with its epoch. On the
/// wire (`SUBSCRIBE.Options._recover`, the details of `junction.error.recovery_incomplete`) it is
/// `{"offset": N, "epoch": "E"}`.
public struct StreamPosition: Sendable, Hashable {
    public var offset: UInt64
    public var epoch: String

    public init(offset: UInt64, epoch: String) {
        self.offset = offset
        self.epoch = epoch
    }

    /// `{"offset": N, "epoch": "E"}`, or nil when the value is not that.
    public init?(_ value: WAMPValue?) {
        guard let dict = value?.dictValue, let offset = dict["offset"]?.unsignedInteger,
            let epoch = dict["epoch"]?.stringValue
        else { return nil }
        self.init(offset: offset, epoch: epoch)
    }

    /// The position of an EVENT: its `_offset` and `_epoch` details, if it has them.
    public init?(eventDetails details: WAMPDict) {
        guard let offset = details["_offset"]?.unsignedInteger, let epoch = details["_epoch"]?.stringValue else {
            return nil
        }
        self.init(offset: offset, epoch: epoch)
    }

    public var wampValue: WAMPValue {
        ["offset": .uint(self.offset), "epoch": .string(self.epoch)]
    }
}
