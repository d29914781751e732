import NIOCore
import NIOEmbedded
import Testing

@testable import JunctionTransport

@Suite struct LivenessStateMachineTests {
    private let configuration = PingConfiguration(interval: .seconds(5), timeout: .seconds(2))

    @Test func silentPeerIsPingedThenClosed() {
        var machine = LivenessStateMachine(configuration: self.configuration)
        #expect(machine.firstDelay == .seconds(5))
        #expect(machine.timerFired() == .ping(thenWait: .seconds(2)))
        #expect(machine.timerFired() == .closeDeadPeer)
    }

    @Test func anyInboundKeepsThePeerAlive() {
        var machine = LivenessStateMachine(configuration: self.configuration)
        machine.inboundReceived()
        #expect(machine.timerFired() == .wait(.seconds(5)))
        #expect(machine.timerFired() == .ping(thenWait: .seconds(2)))
        machine.inboundReceived()  // the answer
        #expect(machine.timerFired() == .wait(.seconds(5)))
        #expect(machine.timerFired() == .ping(thenWait: .seconds(2)))
        #expect(machine.timerFired() == .closeDeadPeer)
    }

    @Test func configurationFromSeconds() {
        #expect(PingConfiguration(intervalSeconds: 0, timeoutSeconds: 10) == nil)
        #expect(
            PingConfiguration(intervalSeconds: 3, timeoutSeconds: 1)
                == .init(interval: .seconds(3), timeout: .seconds(1))
        )
    }

    @Test func limiterCountsUntilClose() throws {
        let limiter = ConnectionLimiter(maxConnections: 1)
        let first = EmbeddedChannel()
        let second = EmbeddedChannel()
        #expect(limiter.admit(first))
        #expect(!limiter.admit(second))
        #expect(limiter.count == 1)
        _ = try first.finish()
        #expect(limiter.count == 0)
        #expect(limiter.admit(second))
    }
}
