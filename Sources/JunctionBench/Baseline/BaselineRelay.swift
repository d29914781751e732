import NIOCore
import WAMPCore

/// The relay mode's state on one event loop: its `RelayTable`, and the connections written to
/// during the current read, flushed once at its end (as `BaselineHub` does for EVENTs).
final class BaselineRelay {
    var table: RelayTable<RelayPeer, RelayPeer>
    private var dirty: [BaselineHandler] = []

    init(loopIndex: Int, loopCount: Int) {
        self.table = RelayTable(loopIndex: loopIndex, loopCount: loopCount)
    }

    /// Queues `frame` for `handler` (a connection of this loop); flushed by `flush()`.
    @inline(__always)
    func write(_ frame: ByteBuffer, to handler: BaselineHandler) {
        if handler.writeWithoutFlush(frame) { self.dirty.append(handler) }
    }

    func flush() {
        guard !self.dirty.isEmpty else { return }
        for handler in self.dirty { handler.flushNow() }
        self.dirty.removeAll(keepingCapacity: true)
    }
}

@available(*, unavailable)
extension BaselineRelay: Sendable {}

/// Every loop's relay: `--rpc relay` forwards each CALL to a registered callee as an INVOCATION
/// and each YIELD back to the caller as a RESULT — the 4 frames a router handles per call — with
/// argument bytes copied, never decoded.
///
/// A connection on the current loop is written to directly and flushed at the end of the reading
/// connection's read; one on another loop (only with `--threads` > 1) gets a task that writes
/// and flushes.
struct BaselineRelays: Sendable {
    struct Entry: Sendable {
        let loop: any EventLoop
        let relay: NIOLoopBound<BaselineRelay>
    }

    let entries: [Entry]

    /// Index of `loop` in `entries`.
    func index(of loop: any EventLoop) -> Int? {
        self.entries.firstIndex { $0.loop === loop }
    }

    /// Makes `callee` a callee on every loop.
    func addCallee(_ callee: RelayPeer.Address) {
        self.onEveryLoop(from: callee.loop) { relay, loop in
            relay.table.addCallee(RelayPeer(callee, on: loop), id: callee.id)
        }
    }

    /// Removes a closed callee everywhere, with the invocations it will never answer.
    func removeCallee(_ callee: RelayPeer.Address) {
        self.onEveryLoop(from: callee.loop) { relay, _ in relay.table.removeCallee(id: callee.id) }
    }

    /// Forgets the calls of a closed caller everywhere.
    func dropCalls(from caller: RelayPeer.Address) {
        self.onEveryLoop(from: caller.loop) { relay, _ in relay.table.dropCalls(from: caller.id) }
    }

    /// CALL → INVOCATION `[68, Invocation, 1, {}, <tail>]` to the next callee (round robin) of the
    /// caller's serializer, framed for the callee's transport. Returns false if there is none.
    ///
    /// - Parameters:
    ///   - tail: the CALL's bytes after the procedure (Arguments/ArgumentsKw, and JSON's `]`).
    ///   - relay: the current loop's relay; `caller` lives on this loop.
    func call(
        request: UInt64, tail: UnsafeRawBufferPointer, tailCount: Int, from caller: RelayPeer,
        replies: BaselineReplies, relay: BaselineRelay, allocator: ByteBufferAllocator
    ) -> Bool {
        let kind = caller.address.kind
        guard let callee = relay.table.nextCallee(where: { $0.address.kind == kind }) else { return false }
        let invocation = relay.table.nextInvocationID()
        let frame = callee.address.framing.frame(allocator: allocator) { buffer in
            replies.withTail(
                type: MessageType.invocation.rawValue, id: invocation, extra: BaselineReplies.registrationID,
                tail: tail, tailCount: tailCount, into: &buffer)
        }
        if let handler = callee.local {
            relay.table.remember(
                invocation, callee: callee.address.id, caller: caller, callerID: caller.address.id, request: request)
            relay.write(frame, to: handler)
            return true
        }
        // The invocation is remembered on the callee's loop, where its YIELD will arrive.
        let target = self.entries[callee.address.loopIndex].relay
        let calleeAddress = callee.address
        let callerAddress = caller.address
        calleeAddress.loop.execute {
            let handler = calleeAddress.handler.value
            guard handler.isOpen else { return }  // closed meanwhile: the call is dropped
            target.value.table.remember(
                invocation, callee: calleeAddress.id, caller: RelayPeer(callerAddress, on: calleeAddress.loop),
                callerID: callerAddress.id, request: request)
            _ = handler.writeWithoutFlush(frame)
            handler.flushNow()
        }
        return true
    }

    /// YIELD → RESULT `[50, Request, {}, <tail>]` to the caller the invocation was for. A YIELD
    /// for an unknown invocation (caller gone, or not sent to this callee) is dropped.
    ///
    /// - Parameters:
    ///   - tail: the YIELD's bytes after its options.
    ///   - relay: the current loop's relay; the yielding callee lives on this loop.
    func yield(
        invocation: UInt64, tail: UnsafeRawBufferPointer, tailCount: Int, from callee: ObjectIdentifier,
        replies: BaselineReplies, relay: BaselineRelay, allocator: ByteBufferAllocator
    ) {
        guard let (caller, request) = relay.table.yield(invocation, from: callee) else { return }
        let frame = caller.address.framing.frame(allocator: allocator) { buffer in
            replies.withTail(
                type: MessageType.result.rawValue, id: request, extra: nil, tail: tail, tailCount: tailCount,
                into: &buffer)
        }
        if let handler = caller.local {
            relay.write(frame, to: handler)
            return
        }
        let bound = caller.address.handler
        caller.address.loop.execute {
            let handler = bound.value
            _ = handler.writeWithoutFlush(frame)
            handler.flushNow()
        }
    }

    /// Runs `body` with each loop's relay: at once for `loop` (the current one), via a task for the others.
    private func onEveryLoop(
        from loop: any EventLoop, _ body: @escaping @Sendable (BaselineRelay, any EventLoop) -> Void
    ) {
        for entry in self.entries {
            if entry.loop === loop {
                body(entry.relay.value, loop)
            } else {
                let relay = entry.relay
                let target = entry.loop
                target.execute { body(relay.value, target) }
            }
        }
    }
}
