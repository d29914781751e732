import JunctionRouter
import Testing

@testable import JunctionServer

@Suite struct OutboundQueueTests {
    typealias Queue = OutboundQueue<Int>

    @Test func writesStraightThroughWhileWritable() {
        var queue = Queue(maxMessages: 2, maxBytes: 100, policy: .drop)
        #expect(queue.offer(1, bytes: 10, importance: .event, channelWritable: true) == .write)
        #expect(queue.isEmpty)
    }

    @Test func queuesWhileUnwritableThenDrainsInOrder() {
        var queue = Queue(maxMessages: 3, maxBytes: 100, policy: .drop)
        #expect(queue.offer(1, bytes: 10, importance: .event, channelWritable: false) == .queued)
        // Once something waits, later messages wait behind it even if the channel looks writable.
        #expect(queue.offer(2, bytes: 10, importance: .essential, channelWritable: true) == .queued)
        #expect(queue.queuedBytes == 20)
        #expect(queue.next(channelWritable: false) == nil)
        #expect(queue.next(channelWritable: true) == 1)
        #expect(queue.next(channelWritable: true) == 2)
        #expect(queue.next(channelWritable: true) == nil)
        #expect(queue.queuedBytes == 0)
    }

    @Test func fullQueueDropsEventsUnderDropPolicyAndCountsThem() {
        var queue = Queue(maxMessages: 2, maxBytes: 1000, policy: .drop)
        _ = queue.offer(1, bytes: 10, importance: .event, channelWritable: false)
        _ = queue.offer(2, bytes: 10, importance: .event, channelWritable: false)
        #expect(queue.isFull)
        #expect(queue.offer(3, bytes: 10, importance: .event, channelWritable: false) == .dropped)
        #expect(queue.offer(4, bytes: 10, importance: .event, channelWritable: false) == .dropped)
        #expect(queue.takeDroppedCount() == 2)
        #expect(queue.takeDroppedCount() == 0)
    }

    @Test func byteLimitAppliesToo() {
        var queue = Queue(maxMessages: 100, maxBytes: 25, policy: .drop)
        #expect(queue.offer(1, bytes: 20, importance: .event, channelWritable: false) == .queued)
        #expect(queue.offer(2, bytes: 20, importance: .event, channelWritable: false) == .dropped)
    }

    @Test func fullQueueDisconnectsUnderDisconnectPolicy() {
        var queue = Queue(maxMessages: 1, maxBytes: 1000, policy: .disconnect)
        _ = queue.offer(1, bytes: 10, importance: .event, channelWritable: false)
        #expect(queue.offer(2, bytes: 10, importance: .event, channelWritable: false) == .disconnect)
    }

    @Test func essentialTrafficIsNeverDroppedButHasAHardLimit() {
        var queue = Queue(maxMessages: 2, maxBytes: 1000, policy: .drop)
        #expect(queue.offer(1, bytes: 10, importance: .essential, channelWritable: false) == .queued)
        #expect(queue.offer(2, bytes: 10, importance: .essential, channelWritable: false) == .queued)
        #expect(queue.offer(3, bytes: 10, importance: .essential, channelWritable: false) == .queued)
        #expect(queue.offer(4, bytes: 10, importance: .essential, channelWritable: false) == .queued)
        #expect(queue.offer(5, bytes: 10, importance: .essential, channelWritable: false) == .disconnect)
        #expect(queue.offer(6, bytes: 10, importance: .event, channelWritable: false) == .dropped)
    }
}
