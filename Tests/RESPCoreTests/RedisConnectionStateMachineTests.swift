import NIOCore
import Testing

@testable import RESPCore

@Suite struct RedisConnectionStateMachineTests {
    typealias Machine = RedisConnectionStateMachine<Int>

    static func error(_ text: String) -> RESPValue { .simpleError(ByteBuffer(string: text)) }
    static func bytes(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
    static let helloReply = RESPValue.map([RESPPair(.bulkString("proto"), .integer(3))])

    /// A machine past the handshake in `version`.
    static func ready(_ version: RedisHandshakeConfiguration.ProtocolVersion) -> Machine {
        var machine = Machine(configuration: RedisHandshakeConfiguration(preferredProtocol: version))
        if version == .resp3 {
            _ = machine.connected()
            #expect(machine.receivedValue(Self.helloReply) == .ready(.resp3, hello: Self.helloReply))
        } else {
            #expect(machine.connected() == .ready(.resp2, hello: nil))
        }
        return machine
    }

    // MARK: - Handshake

    @Test func helloThreeWithAuthThenSelect() {
        var machine = Machine(
            configuration: RedisHandshakeConfiguration(username: "alice", password: "secret", database: 2)
        )
        #expect(machine.connected() == .write(RESPCommand("HELLO", "3", "AUTH", "alice", "secret")))
        #expect(machine.sendCommand(RESPCommand("GET", "k"), request: 1).isFailure(.notReady))
        #expect(machine.receivedValue(Self.helloReply) == .write(RESPCommand("SELECT", "2")))
        #expect(machine.receivedValue(.simpleString("OK")) == .ready(.resp3, hello: Self.helloReply))
        #expect(machine.protocolVersion == .resp3)
    }

    @Test func helloWithoutUsernameAuthenticatesTheDefaultUser() {
        var machine = Machine(configuration: RedisHandshakeConfiguration(password: "pw"))
        #expect(machine.connected() == .write(RESPCommand("HELLO", "3", "AUTH", "default", "pw")))
    }

    @Test func unknownHelloFallsBackToRESP2WithAuth() {
        var machine = Machine(configuration: RedisHandshakeConfiguration(password: "pw"))
        _ = machine.connected()
        #expect(machine.receivedValue(Self.error("ERR unknown command 'HELLO'")) == .write(RESPCommand("AUTH", "pw")))
        #expect(machine.receivedValue(.simpleString("OK")) == .ready(.resp2, hello: nil))
        #expect(machine.protocolVersion == .resp2)
    }

    @Test func noProtoFallsBackToRESP2WithoutAuth() {
        var machine = Machine(configuration: RedisHandshakeConfiguration(database: 1))
        _ = machine.connected()
        #expect(machine.receivedValue(Self.error("NOPROTO sorry")) == .write(RESPCommand("SELECT", "1")))
        #expect(machine.receivedValue(.simpleString("OK")) == .ready(.resp2, hello: nil))
    }

    @Test func resp2WithUserAuthenticatesWithoutHello() {
        var machine = Machine(
            configuration: RedisHandshakeConfiguration(preferredProtocol: .resp2, username: "u", password: "p")
        )
        #expect(machine.connected() == .write(RESPCommand("AUTH", "u", "p")))
        #expect(machine.receivedValue(.simpleString("OK")) == .ready(.resp2, hello: nil))
    }

    @Test func refusedCredentialsCloseTheConnection() {
        for reply in ["WRONGPASS invalid username-password pair", "NOAUTH HELLO must be called with AUTH"] {
            var machine = Machine(configuration: RedisHandshakeConfiguration(password: "bad"))
            _ = machine.connected()
            guard case .closeAndFail(let requests, let error) = machine.receivedValue(Self.error(reply)) else {
                Issue.record("not closed on \(reply)")
                continue
            }
            #expect(requests.isEmpty)
            #expect(error.code == .authentication)
            #expect(error.serverCode == String(reply.prefix(while: { $0 != " " })))
            #expect(machine.sendCommand(RESPCommand("PING"), request: 1).isFailure(.connectionClosed))
        }
        var machine = Machine(configuration: RedisHandshakeConfiguration(preferredProtocol: .resp2, password: "bad"))
        _ = machine.connected()
        guard case .closeAndFail(_, let error) = machine.receivedValue(Self.error("WRONGPASS no")) else {
            Issue.record("AUTH refusal did not close")
            return
        }
        #expect(error.code == .authentication)
    }

    @Test func failedSelectClosesTheConnection() {
        var machine = Machine(configuration: RedisHandshakeConfiguration(preferredProtocol: .resp2, database: 99))
        #expect(machine.connected() == .write(RESPCommand("SELECT", "99")))
        guard case .closeAndFail(_, let error) = machine.receivedValue(Self.error("ERR DB index is out of range"))
        else {
            Issue.record("SELECT failure did not close")
            return
        }
        #expect(error.code == .handshake && error.serverCode == "ERR")
    }

    // MARK: - Commands

    @Test func repliesAnswerCommandsInOrderAndErrorsStayPerCommand() {
        var machine = Self.ready(.resp3)
        for request in 1...3 {
            #expect(
                machine.sendCommand(RESPCommand("GET", "k\(request)"), request: request)
                    == .write(RESPCommand("GET", "k\(request)"))
            )
        }
        #expect(machine.pendingCount == 3)
        #expect(machine.receivedValue(.bulkString("a")) == .succeed(1, .bulkString("a")))
        #expect(
            machine.receivedValue(Self.error("WRONGTYPE Operation against a key")).isFailure(2, .server, "WRONGTYPE")
        )
        #expect(machine.receivedValue(.bulkError(Self.bytes("ERR bulk"))).isFailure(3, .server, "ERR"))
        #expect(machine.sendCommand(RESPCommand("PING"), request: 4) == .write(RESPCommand("PING")))
        #expect(machine.receivedValue(.simpleString("PONG")) == .succeed(4, .simpleString("PONG")))
        #expect(machine.pendingCount == 0)
    }

    @Test func aReplyNobodyAskedForIsAProtocolViolation() {
        var machine = Self.ready(.resp3)
        guard case .closeAndFail(let requests, let error) = machine.receivedValue(.integer(1)) else {
            Issue.record("unexpected reply accepted")
            return
        }
        #expect(requests.isEmpty && error.code == .protocolViolation)
    }

    @Test func connectionLossFailsEveryPendingCommandOnce() {
        var machine = Self.ready(.resp2)
        _ = machine.sendCommand(RESPCommand("BLPOP", "q", "0"), request: 1)
        _ = machine.sendCommand(RESPCommand("GET", "k"), request: 2)
        #expect(
            machine.connectionClosed() == .closeAndFail([1, 2], RedisError(.connectionClosed, "the connection closed"))
        )
        #expect(machine.connectionClosed() == .none)
        #expect(machine.receivedValue(.integer(1)) == .none)
        #expect(machine.sendCommand(RESPCommand("GET", "k"), request: 3).isFailure(.connectionClosed))
    }

    @Test func parsingFailureFailsPendingCommands() {
        var machine = Self.ready(.resp3)
        _ = machine.sendCommand(RESPCommand("GET", "k"), request: 7)
        guard
            case .closeAndFail(let requests, let error) = machine.parsingFailed(RESPParsingError(.invalidTypeByte, "x"))
        else {
            Issue.record("parsing failure did not close")
            return
        }
        #expect(requests == [7] && error.code == .protocolViolation)
    }

    @Test func valuesBeforeTheHandshakeAreAProtocolViolation() {
        var machine = Machine()
        guard case .closeAndFail = machine.receivedValue(.simpleString("OK")) else {
            Issue.record("value before connect accepted")
            return
        }
    }

    // MARK: - Pub/sub

    @Test func resp3PushesCarryConfirmationsAndMessagesBetweenReplies() {
        var machine = Self.ready(.resp3)
        #expect(
            machine.sendCommand(RESPCommand("SUBSCRIBE", "a", "b"), request: 1)
                == .write(RESPCommand("SUBSCRIBE", "a", "b"))
        )
        // RESP3 allows any command on a subscribed connection.
        #expect(machine.sendCommand(RESPCommand("GET", "k"), request: 2) == .write(RESPCommand("GET", "k")))
        let first = RESPValue.push([.bulkString("subscribe"), .bulkString("a"), .integer(1)])
        let second = RESPValue.push([.bulkString("subscribe"), .bulkString("b"), .integer(2)])
        #expect(machine.receivedValue(first) == .none)
        #expect(machine.receivedValue(second) == .succeed(1, second))
        let message = RESPValue.push([.bulkString("message"), .bulkString("a"), .bulkString("hi")])
        #expect(
            machine.receivedValue(message)
                == .deliver(RedisPubSubMessage(channel: Self.bytes("a"), payload: Self.bytes("hi")))
        )
        #expect(machine.receivedValue(.bulkString("v")) == .succeed(2, .bulkString("v")))
        _ = machine.sendCommand(RESPCommand("PSUBSCRIBE", "n.*"), request: 3)
        _ = machine.receivedValue(.push([.bulkString("psubscribe"), .bulkString("n.*"), .integer(3)]))
        let pmessage = RESPValue.push([
            .bulkString("pmessage"), .bulkString("n.*"), .bulkString("n.1"), .bulkString("x"),
        ])
        #expect(
            machine.receivedValue(pmessage)
                == .deliver(
                    RedisPubSubMessage(channel: Self.bytes("n.1"), pattern: Self.bytes("n.*"), payload: Self.bytes("x"))
                )
        )
        #expect(machine.receivedValue(.push([.bulkString("invalidate"), .array(nil)])) == .none)
        #expect(machine.pendingCount == 0)
    }

    @Test func resp2SubscribedModeAllowsOnlySubscriptionCommandsAndPing() {
        var machine = Self.ready(.resp2)
        _ = machine.sendCommand(RESPCommand("SUBSCRIBE", "a"), request: 1)
        #expect(machine.isSubscribed)
        #expect(machine.sendCommand(RESPCommand("get", "k"), request: 2).isFailure(.notAllowedInSubscribedMode))
        #expect(machine.sendCommand(RESPCommand("ping"), request: 3) == .write(RESPCommand("ping")))
        let confirmation = RESPValue.array([.bulkString("subscribe"), .bulkString("a"), .integer(1)])
        #expect(machine.receivedValue(confirmation) == .succeed(1, .push(confirmation.elements!)))
        let message = RESPValue.array([.bulkString("message"), .bulkString("a"), .bulkString("m")])
        #expect(
            machine.receivedValue(message)
                == .deliver(RedisPubSubMessage(channel: Self.bytes("a"), payload: Self.bytes("m")))
        )
        let pong = RESPValue.array([.bulkString("pong"), .bulkString("")])
        #expect(machine.receivedValue(pong) == .succeed(3, pong))
        #expect(machine.sendCommand(RESPCommand("UNSUBSCRIBE"), request: 4) == .write(RESPCommand("UNSUBSCRIBE")))
        #expect(!machine.isSubscribed)
        // Written after UNSUBSCRIBE, so the server judges it unsubscribed too.
        #expect(
            machine.sendCommand(RESPCommand("LRANGE", "l", "0", "-1"), request: 5)
                == .write(RESPCommand("LRANGE", "l", "0", "-1"))
        )
        let unsubscribed = RESPValue.array([.bulkString("unsubscribe"), .bulkString("a"), .integer(0)])
        #expect(machine.receivedValue(unsubscribed) == .succeed(4, .push(unsubscribed.elements!)))
        // An ordinary array reply that happens to look like a message is a reply once unsubscribed.
        #expect(machine.receivedValue(message) == .succeed(5, message))
    }

    @Test func unsubscribingFromNothingExpectsOneConfirmation() {
        var machine = Self.ready(.resp2)
        _ = machine.sendCommand(RESPCommand("PUNSUBSCRIBE"), request: 1)
        let reply = RESPValue.array([.bulkString("punsubscribe"), .bulkString(nil), .integer(0)])
        #expect(machine.receivedValue(reply) == .succeed(1, .push(reply.elements!)))
    }

    @Test func aRefusedSubscriptionFailsItsCommand() {
        var machine = Self.ready(.resp3)
        _ = machine.sendCommand(RESPCommand("SUBSCRIBE"), request: 1)
        #expect(
            machine.receivedValue(Self.error("ERR wrong number of arguments for 'subscribe' command")).isFailure(
                1,
                .server,
                "ERR"
            )
        )
        #expect(machine.pendingCount == 0)
    }

    @Test func malformedMessagesCloseTheConnection() {
        var machine = Self.ready(.resp3)
        guard case .closeAndFail(_, let error) = machine.receivedValue(.push([.bulkString("message"), .integer(1)]))
        else {
            Issue.record("malformed message accepted")
            return
        }
        #expect(error.code == .protocolViolation)
    }
}

extension RedisConnectionStateMachine<Int>.Action {
    func isFailure(_ code: RedisError.Code) -> Bool {
        if case .fail(_, let error) = self { return error.code == code }
        return false
    }

    func isFailure(_ request: Int, _ code: RedisError.Code, _ serverCode: String) -> Bool {
        if case .fail(request, let error) = self { return error.code == code && error.serverCode == serverCode }
        return false
    }
}
