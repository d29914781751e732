import NIOCore
import WAMPCore

/// The realm's thread-safe handle on a `DeliveryTarget`: on the target's own event loop it calls
/// straight through (with one event loop, or a realm on the target's loop, that is every message:
/// nothing allocated); from any other loop it posts to the target's loop's `LoopMailbox`, which
/// runs the posts in order and in batches.
public final class PeerHandle: PeerConnection {
    private let bound: LoopBoundTarget
    /// The mailbox of the target's loop.
    private let mailbox: LoopMailbox

    /// A handle on `target`, which lives on `mailbox`'s loop; created on that loop.
    public init(target: any DeliveryTarget, mailbox: LoopMailbox) {
        mailbox.eventLoop.preconditionInEventLoop()
        self.bound = LoopBoundTarget(target)
        self.mailbox = mailbox
    }

    public func send(_ message: WAMPMessage) {
        if self.mailbox.eventLoop.inEventLoop {
            self.bound.target.deliver(message)
        } else {
            self.mailbox.post(.deliver(self.bound, message))
        }
    }

    public func send(_ message: SharedMessage) {
        if self.mailbox.eventLoop.inEventLoop {
            self.bound.target.deliver(message, fromOtherLoop: false)
        } else {
            self.mailbox.post(message, to: self.bound)
        }
    }

    public func goodbye(reason: String, message: String?) {
        if self.mailbox.eventLoop.inEventLoop {
            self.bound.target.routerGoodbye(reason: reason, message: message)
        } else {
            self.mailbox.post(.goodbye(self.bound, reason: reason, message: message))
        }
    }

    public func abort(_ abort: WAMPMessage.Abort) {
        if self.mailbox.eventLoop.inEventLoop {
            self.bound.target.routerAbort(abort)
        } else {
            self.mailbox.post(.abort(self.bound, abort))
        }
    }

    /// Hands the realm's answer to a join (`Realm.join`, called on the realm's loop) to the
    /// target, in order with everything the realm sends it afterwards.
    public func joinCompleted(_ outcome: Realm.JoinOutcome) {
        if self.mailbox.eventLoop.inEventLoop {
            self.bound.target.joinCompleted(outcome)
        } else {
            self.mailbox.post(.joined(self.bound, outcome))
        }
    }
}
