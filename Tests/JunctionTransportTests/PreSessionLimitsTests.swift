import Testing

@testable import JunctionTransport

@Suite struct PreSessionLimitsTests {
    @Test func bothTransportsReadTheSameLimit() {
        let limits = PreSessionLimits(maxMessageSize: 4096)
        let webSocket = WebSocketConfiguration(maxMessageSize: 1 << 20, preSession: limits)
        let rawSocket = RawSocketConfiguration(maxMessageLength: 1 << 20, preSession: limits)
        #expect(webSocket.preSession == rawSocket.preSession)
        #expect(webSocket.preSessionMaxFrameSize == 4096)
        let limit = InboundMessageLimit(
            preSession: rawSocket.preSession.maxMessageSize, established: rawSocket.advertisedMaxMessageLength)
        #expect(limit.current == 4096)
        #expect(limit.isPreSession)
    }

    @Test func noneByDefaultAndNeverAboveTheFullLimit() {
        #expect(WebSocketConfiguration().preSession.maxMessageSize == nil)
        #expect(RawSocketConfiguration().preSession.maxMessageSize == nil)
        #expect(WebSocketConfiguration().preSessionMaxFrameSize == WebSocketConfiguration().effectiveMaxFrameSize)
        let generous = WebSocketConfiguration(maxMessageSize: 1024, preSession: PreSessionLimits(maxMessageSize: 8192))
        #expect(generous.preSessionMaxFrameSize == 1024)
    }
}
