import Testing
import WAMPCore

@testable import JunctionRouter

/// The in-process session's bookkeeping without a realm: completions are plain labels.
@Suite struct LocalSessionStateMachineTests {
    typealias Machine = LocalSessionStateMachine<String>

    @Test func answersCompleteTheirRequestOnce() {
        var machine = Machine()
        guard case .send(.call(let call)) = machine.request("a", { .call(.init(request: $0, procedure: "p")) }),
            case .send(.subscribe(let subscribe)) = machine.request("b", { .subscribe(.init(request: $0, topic: "t")) })
        else {
            Issue.record("expected the requests to be sent")
            return
        }
        #expect(call.request != subscribe.request)
        guard
            case .complete("b", .failure(let error)) = machine.received(
                .error(.init(requestType: .subscribe, request: subscribe.request, error: WAMPErrorURI.notAuthorized))
            )
        else {
            Issue.record("expected b to fail")
            return
        }
        #expect(error.uri == WAMPErrorURI.notAuthorized)
        guard case .complete("a", .success(.result)) = machine.received(.result(.init(request: call.request))) else {
            Issue.record("expected a to complete")
            return
        }
        guard case .none = machine.received(.result(.init(request: call.request))) else {
            Issue.record("a second answer must be ignored")
            return
        }
    }

    @Test func endingFailsWaitersAndDropsLateAnswers() {
        var machine = Machine()
        _ = machine.request("a", { .call(.init(request: $0, procedure: "p")) })
        guard case .invoke(let invocation) = machine.received(.invocation(.init(request: 5, registration: 1))) else {
            Issue.record("expected an invocation")
            return
        }
        guard case .interrupt(request: 5) = machine.received(.interrupt(.init(request: 5))) else {
            Issue.record("expected the handler to be interrupted")
            return
        }
        guard case .end(let ending, failing: ["a"]) = machine.ended(.init(reason: WAMPErrorURI.killed)) else {
            Issue.record("expected a to fail")
            return
        }
        #expect(ending.reason == WAMPErrorURI.killed)
        guard case .none = machine.answered(invocation.request, with: .yield(.init(request: 5))) else {
            Issue.record("a late YIELD must not be sent")
            return
        }
        guard
            case .complete("c", .failure(let error)) = machine.request(
                "c",
                { .call(.init(request: $0, procedure: "p")) }
            )
        else {
            Issue.record("a request after the end must fail at once")
            return
        }
        #expect(error.uri == WAMPErrorURI.killed)
    }
}
