import JunctionRouter
import WAMPCore

/// Merges the frames of all sources (other nodes, and this node's own stream publications as
/// Redis confirms them) so that every stream topic's events leave in offset order — what a
/// subscriber (and the JunctionClient, which drops an offset it has passed) relies on, as on one
/// node — while each source's frames keep their order.
///
/// Offsets and source sequences both follow the order Redis ran the publish scripts in, so the
/// merge never waits in a cycle. A source whose next frame is an offset ahead of its topic's
/// next one is held (with everything it sent after); another source's frame usually fills the
/// hole at once. What never comes (a publication lost beyond repair) is given up after a timeout
/// (`expire`), counted and reported. Pure: the caller feeds frames and clock, and runs what
/// comes out.
struct StreamMerge<Source: Hashable, Frame> {
    struct Topic: Hashable, Sendable {
        var realm: String
        var topic: String
    }

    struct Item {
        var frame: Frame
        /// The frame's topic and cluster position; nil for frames without one (plain
        /// publications), which wait only behind their source's held frames.
        var stream: (topic: Topic, position: StreamPosition)?
    }

    private struct Next: Sendable {
        var epoch: String
        var offset: UInt64
    }

    private var next: [Topic: Next] = [:]
    /// Per realm, the epoch of the offsets snapshot taken at connect: a topic missing from it
    /// starts at offset 1 in that epoch.
    private var seededEpochs: [String: String] = [:]
    private var held: [Source: [Item]] = [:]
    /// When each held source's head frame started waiting (monotonic ms).
    private var waitingSince: [Source: Int64] = [:]

    init() {}

    var heldCount: Int { self.held.values.reduce(0) { $0 + $1.count } }

    /// The realm's offsets as Redis had them (at connect): the next offset of each topic is known.
    mutating func seed(realm: String, epoch: String, offsets: [String: UInt64]) {
        self.seededEpochs[realm] = epoch
        for (topic, offset) in offsets {
            let key = Topic(realm: realm, topic: topic)
            if let known = self.next[key], known.epoch == epoch, known.offset > offset { continue }
            self.next[key] = Next(epoch: epoch, offset: offset + 1)
        }
    }

    /// A source's frames, in its order; returns every frame that may go now, in order.
    mutating func push(_ items: [Item], from source: Source, now: Int64) -> [Frame] {
        if self.held[source] == nil {
            // The common case: nothing held for this source and nothing blocks these frames.
            var out: [Frame] = []
            for (index, item) in items.enumerated() {
                guard self.admit(item) else {
                    self.held[source] = Array(items[index...])
                    self.waitingSince[source] = now
                    return out + self.drain(now: now)
                }
                out.append(item.frame)
            }
            return items.contains(where: { $0.stream != nil }) && !self.held.isEmpty ? out + self.drain(now: now) : out
        }
        self.held[source]!.append(contentsOf: items)
        return self.drain(now: now)
    }

    /// Gives up what held sources wait for longer than `timeout` ms: their topics skip to the held
    /// offset. Returns what may go now and the offsets given up (topic, missing range).
    mutating func expire(now: Int64, timeout: Int64) -> (deliver: [Frame], skipped: [(Topic, ClosedRange<UInt64>)]) {
        var skipped: [(Topic, ClosedRange<UInt64>)] = []
        for (source, since) in self.waitingSince where now - since >= timeout {
            guard let head = self.held[source]?.first, let stream = head.stream,
                let known = self.next[stream.topic], known.epoch == stream.position.epoch,
                stream.position.offset > known.offset
            else { continue }
            skipped.append((stream.topic, known.offset...(stream.position.offset - 1)))
            self.next[stream.topic] = Next(epoch: known.epoch, offset: stream.position.offset)
        }
        return (self.drain(now: now), skipped)
    }

    /// Whether `item` may go now; if so, its topic's next offset moves past it.
    private mutating func admit(_ item: Item) -> Bool {
        guard let (topic, position) = item.stream else { return true }
        guard let known = self.next[topic], known.epoch == position.epoch else {
            // First frame of the topic in this epoch: after a snapshot of the same epoch the topic
            // is new (offset 1 comes first); otherwise this frame sets the pace.
            if self.seededEpochs[topic.realm] == position.epoch, position.offset > 1, self.next[topic] == nil {
                self.next[topic] = Next(epoch: position.epoch, offset: 1)
                return self.admit(item)
            }
            self.next[topic] = Next(epoch: position.epoch, offset: position.offset + 1)
            return true
        }
        if position.offset > known.offset { return false }
        // An offset already passed (sent before a snapshot, or given up) goes at once: late.
        if position.offset == known.offset { self.next[topic] = Next(epoch: known.epoch, offset: known.offset + 1) }
        return true
    }

    /// Lets held sources go as far as they can, until nothing moves.
    private mutating func drain(now: Int64) -> [Frame] {
        var out: [Frame] = []
        var moved = true
        while moved {
            moved = false
            for source in Array(self.held.keys) {
                guard var queue = self.held[source] else { continue }
                var taken = 0
                while taken < queue.count, self.admit(queue[taken]) {
                    out.append(queue[taken].frame)
                    taken += 1
                }
                guard taken > 0 else { continue }
                moved = true
                queue.removeFirst(taken)
                if queue.isEmpty {
                    self.held[source] = nil
                    self.waitingSince[source] = nil
                } else {
                    self.held[source] = queue
                    self.waitingSince[source] = now
                }
            }
        }
        return out
    }
}

extension StreamMerge: Sendable where Source: Sendable, Frame: Sendable {}
extension StreamMerge.Item: Sendable where Source: Sendable, Frame: Sendable {}
