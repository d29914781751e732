import JunctionComponents
import Testing

@Suite struct InstanceLifecycleTests {
    private let backoff = BackoffPolicy(
        initial: .milliseconds(100), max: .milliseconds(350), multiplier: 2, maxRestarts: 3, resetAfter: .seconds(10))

    private func lifecycle(_ restart: RestartPolicy = .onFailure) -> InstanceLifecycle {
        InstanceLifecycle(restart: restart, backoff: self.backoff, stopTimeout: .seconds(2))
    }

    @Test func startSpawnsAndRuns() {
        var instance = self.lifecycle()
        #expect(instance.state == .stopped)
        #expect(instance.start() == .spawn)
        #expect(instance.state == .starting)
        #expect(instance.start() == .none)
        #expect(instance.spawned(pid: 42, now: .zero) == .none)
        #expect(instance.state == .running(pid: 42))
        instance.readinessChanged(true)
        #expect(instance.state == .ready(pid: 42))
        instance.readinessChanged(false)
        #expect(instance.state == .running(pid: 42))
    }

    @Test func crashBacksOffExponentiallyWithCapThenGivesUp() {
        var instance = self.lifecycle(.always)
        _ = instance.start()
        var delays: [Duration] = []
        var now = Duration.zero
        for round in 0..<4 {
            _ = instance.spawned(pid: Int32(100 + round), now: now)
            now += .milliseconds(5)
            switch instance.exited(.exited(1), now: now) {
            case .restartAfter(let delay, let timer):
                delays.append(delay)
                #expect(instance.state == .backingOff(.exited(1), delay: delay))
                #expect(instance.timerFired(timer &- 1) == .none)
                #expect(instance.timerFired(timer) == .spawn)
            case .giveUp(let crashes):
                #expect(crashes == 4)
                #expect(instance.state == .failed(.exited(1), crashes: 4))
            default:
                Issue.record("unexpected action in round \(round)")
            }
        }
        #expect(delays == [.milliseconds(100), .milliseconds(200), .milliseconds(350)])
    }

    @Test func aLongRunResetsTheCrashCount() {
        var instance = self.lifecycle()
        _ = instance.start()
        _ = instance.spawned(pid: 1, now: .zero)
        guard case .restartAfter(_, let timer) = instance.exited(.signaled(9), now: .seconds(1)) else {
            Issue.record("expected a restart")
            return
        }
        #expect(instance.consecutiveCrashes == 1)
        _ = instance.timerFired(timer)
        _ = instance.spawned(pid: 2, now: .seconds(2))
        _ = instance.exited(.exited(3), now: .seconds(20))
        #expect(instance.consecutiveCrashes == 1)
        #expect(instance.state == .backingOff(.exited(3), delay: .milliseconds(100)))
    }

    @Test func onFailureLeavesACleanExitStopped() {
        var instance = self.lifecycle(.onFailure)
        _ = instance.start()
        _ = instance.spawned(pid: 1, now: .zero)
        #expect(instance.exited(.exited(0), now: .seconds(1)) == .none)
        #expect(instance.state == .stopped)
    }

    @Test func neverReportsTheCrash() {
        var instance = self.lifecycle(.never)
        _ = instance.start()
        _ = instance.spawned(pid: 1, now: .zero)
        #expect(instance.exited(.exited(2), now: .seconds(1)) == .none)
        #expect(instance.state == .crashed(.exited(2)))
    }

    @Test func missingExecutableCountsAsACrash() {
        var instance = self.lifecycle(.onFailure)
        _ = instance.start()
        let action = instance.exited(.failedToStart("no such file"), now: .zero)
        #expect(action == .restartAfter(.milliseconds(100), timer: 2))
    }

    @Test func stopTerminatesThenKillsWhenSIGTERMIsIgnored() {
        var instance = self.lifecycle()
        _ = instance.start()
        _ = instance.spawned(pid: 7, now: .zero)
        guard case .terminate(7, .seconds(2), let timer) = instance.stop() else {
            Issue.record("expected SIGTERM")
            return
        }
        #expect(instance.state == .stopping(pid: 7))
        #expect(instance.timerFired(timer) == .kill(pid: 7))
        #expect(instance.exited(.signaled(9), now: .seconds(3)) == .none)
        #expect(instance.state == .stopped)
    }

    @Test func exitBeforeTheKillTimerMakesTheTimerStale() {
        var instance = self.lifecycle()
        _ = instance.start()
        _ = instance.spawned(pid: 7, now: .zero)
        guard case .terminate(_, _, let timer) = instance.stop() else { return }
        _ = instance.exited(.exited(0), now: .seconds(1))
        #expect(instance.timerFired(timer) == .none)
        #expect(instance.state == .stopped)
    }

    @Test func stopWhileStartingTerminatesOnceSpawned() {
        var instance = self.lifecycle()
        _ = instance.start()
        #expect(instance.stop() == .none)
        guard case .terminate(9, _, _) = instance.spawned(pid: 9, now: .zero) else {
            Issue.record("expected SIGTERM once spawned")
            return
        }
    }

    @Test func stopDuringBackoffCancelsTheRestart() {
        var instance = self.lifecycle()
        _ = instance.start()
        _ = instance.spawned(pid: 1, now: .zero)
        guard case .restartAfter(_, let timer) = instance.exited(.exited(1), now: .zero) else { return }
        #expect(instance.stop() == .none)
        #expect(instance.state == .stopped)
        #expect(instance.timerFired(timer) == .none)
    }

    @Test func restartByHandStopsThenStartsAndForgetsCrashes() {
        var instance = self.lifecycle()
        _ = instance.start()
        _ = instance.spawned(pid: 1, now: .zero)
        guard case .terminate(1, _, _) = instance.restartByHand() else {
            Issue.record("expected SIGTERM")
            return
        }
        #expect(instance.exited(.signaled(15), now: .seconds(1)) == .spawn)
        #expect(instance.state == .starting)
        #expect(instance.consecutiveCrashes == 0)
    }

    @Test func startAfterGivingUpStartsOver() {
        var instance = InstanceLifecycle(
            restart: .always, backoff: BackoffPolicy(maxRestarts: 0), stopTimeout: .seconds(1))
        _ = instance.start()
        _ = instance.spawned(pid: 1, now: .zero)
        #expect(instance.exited(.exited(1), now: .zero) == .giveUp(crashes: 1))
        #expect(instance.start() == .spawn)
        #expect(instance.consecutiveCrashes == 0)
    }

    @Test func waitingForDependencies() {
        var instance = self.lifecycle()
        instance.awaitDependencies()
        #expect(instance.state == .waiting)
        #expect(instance.start() == .spawn)
    }

    @Test func backoffDelays() {
        let policy = BackoffPolicy(initial: .milliseconds(10), max: .seconds(1), multiplier: 3)
        #expect(policy.delay(attempt: 1) == .milliseconds(10))
        #expect(policy.delay(attempt: 2) == .milliseconds(30))
        #expect(policy.delay(attempt: 5) == .milliseconds(810))
        #expect(policy.delay(attempt: 6) == .seconds(1))
        #expect(policy.delay(attempt: 1000) == .seconds(1))
    }
}
