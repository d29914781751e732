import NIOCore
import Testing

@testable import junction_bench

@Suite struct ClientSessionStateMachineTests {
    @Test func lifecycle() {
        var machine = ClientSessionStateMachine()
        #expect(machine.message() == .fail("message before WELCOME"))
        machine = ClientSessionStateMachine()
        #expect(machine.transportReady() == .sendHello)
        #expect(machine.welcome(session: 5) == .established(session: 5))
        #expect(machine.message() == .deliver)
        #expect(machine.closeRequested() == .sendGoodbye)
        #expect(machine.message() == .none)
        #expect(machine.goodbye() == .close)
        #expect(machine.connectionClosed() == .none)
    }

    @Test func routerGoodbyeIsAnswered() {
        var machine = ClientSessionStateMachine()
        _ = machine.transportReady()
        _ = machine.welcome(session: 1)
        #expect(machine.goodbye() == .replyGoodbyeAndClose)
    }

    @Test func closingBeforeWelcomeFails() {
        var machine = ClientSessionStateMachine()
        _ = machine.transportReady()
        #expect(machine.connectionClosed() == .fail("connection closed before WELCOME"))
    }
}

@Suite struct WebSocketFrameParserTests {
    func frame(opcode: UInt8, payload: [UInt8], fin: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        if payload.count < 126 {
            bytes.append(UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            bytes += [126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            bytes.append(127)
            bytes += (0..<8).map { UInt8((UInt64(payload.count) >> (56 - 8 * UInt64($0))) & 0xFF) }
        }
        return bytes + payload
    }

    @Test(arguments: [0, 125, 126, 65_535, 65_536, 70_000])
    func parsesWhenCompleteOnly(size: Int) throws {
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0) }
        let bytes = self.frame(opcode: 2, payload: payload) + self.frame(opcode: 1, payload: [65])
        var parser = WebSocketFrameParser()
        var buffer = ByteBuffer()
        var frames: [WebSocketFrameParser.Frame] = []
        // Feed in uneven chunks, as TCP would.
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + 1 + offset % 7_001)
            buffer.writeBytes(bytes[offset..<end])
            offset = end
            while let frame = try parser.next(&buffer) { frames.append(frame) }
        }
        #expect(frames.count == 2)
        #expect(Array(frames[0].payload.readableBytesView) == payload)
        #expect(frames[0].opcode == 2 && frames[0].fin)
        #expect(Array(frames[1].payload.readableBytesView) == [65])
    }

    @Test func unmasksMaskedFrames() throws {
        let masked: [UInt8] = [UInt8(ascii: "a") ^ 1, UInt8(ascii: "b") ^ 2, UInt8(ascii: "c") ^ 3]
        var buffer = ByteBuffer(bytes: [0x81, 0x83, 1, 2, 3, 4] + masked)
        var parser = WebSocketFrameParser()
        let frame = try #require(try parser.next(&buffer))
        #expect(String(buffer: frame.payload) == "abc")
    }
}

@Suite struct MeasurementTests {
    @Test func sequenceTrackerCountsDuplicatesAndReordering() {
        var tracker = SequenceTracker()
        for sequence: UInt64 in [1, 2, 4, 3, 4, 200, 5] { tracker.record(sequence) }
        #expect(tracker.unique == 6)
        #expect(tracker.duplicates == 1)
        #expect(tracker.outOfOrder == 2)
    }

    @Test func targetsMustBeLoopback() throws {
        #expect(try BenchTarget("ws://127.0.0.1:8080/ws").path == "/ws")
        #expect(try BenchTarget("rs://127.0.0.2:8081").transport == .rawSocket)
        #expect(try BenchTarget("ws://[::1]:8080/").hostHeader == "[::1]:8080")
        #expect(throws: BenchTargetError.self) { try BenchTarget("ws://10.1.2.3:8080/ws") }
        #expect(throws: BenchTargetError.self) { try BenchTarget("ws://192.168.0.1:8080/ws") }
        #expect(throws: BenchTargetError.self) { try BenchTarget("http://127.0.0.1:8080/") }
    }
}
