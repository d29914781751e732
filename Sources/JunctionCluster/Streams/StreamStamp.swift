import WAMPCore

/// The position Redis gave a history publication, written by the publish script in front of the
/// frame on the live path, in the source's stream and in the retained hash:
/// `S<offset> <epoch>\n<frame>`. A frame without it starts with a MessagePack array byte
/// (0x90…0x9F, 0xDC, 0xDD), never `S`, so both kinds share one channel.
enum StreamStamp {
    static let marker = UInt8(ascii: "S")
    /// Epochs are 16 base-36 digits when Junction makes them; anything printable up to this length
    /// is taken, so a stamp from a newer node still reads.
    static let maxEpochLength = 64
    /// Redis counts offsets in a signed 64-bit integer: a larger one was not written by the publish
    /// script, and the merge's and recovery's "next offset" (`offset + 1`) must not overflow.
    static let maxOffset = UInt64(Int64.max)

    /// The stamp as the publish script writes it (for tests and tools).
    static func encode(_ position: StreamPosition) -> [UInt8] {
        Array("S\(position.offset) \(position.epoch)\n".utf8)
    }

    /// Splits `bytes` into its stamp (nil when there is none) and the frame after it. A stamp that
    /// does not parse throws: the receiver logs and counts the frame instead of routing it.
    static func split(
        _ bytes: [UInt8]
    ) throws(ClusterFrameError) -> (position: StreamPosition?, frame: ArraySlice<UInt8>) {
        guard bytes.first == Self.marker else { return (nil, bytes[...]) }
        var index = 1
        var offset: UInt64 = 0
        var digits = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            let (times, overflow1) = offset.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(UInt64(bytes[index] - UInt8(ascii: "0")))
            guard !overflow1, !overflow2, digits < 20 else {
                throw ClusterFrameError(reason: "stream offset too large")
            }
            offset = sum
            digits += 1
            index += 1
        }
        guard digits > 0, offset > 0, offset <= Self.maxOffset, index < bytes.count, bytes[index] == UInt8(ascii: " ")
        else {
            throw ClusterFrameError(reason: "malformed stream stamp: no offset")
        }
        index += 1
        let epochStart = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "\n") {
            guard bytes[index] > 0x20, bytes[index] < 0x7F, index - epochStart < Self.maxEpochLength else {
                throw ClusterFrameError(reason: "malformed stream stamp: bad epoch")
            }
            index += 1
        }
        guard index < bytes.count, index > epochStart else {
            throw ClusterFrameError(reason: "malformed stream stamp: no epoch")
        }
        let epoch = String(decoding: bytes[epochStart..<index], as: UTF8.self)
        return (StreamPosition(offset: offset, epoch: epoch), bytes[(index + 1)...])
    }
}
