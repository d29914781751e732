@testable import JunctionRedis
import NIOCore
import RESPCore
import Testing

/// The pure part of Sentinel support: asking order, and what the sentinels' and ROLE's replies mean.
struct RedisSentinelRotationTests {
    let one = RedisAddress(host: "10.0.0.1", port: 26379)
    let two = RedisAddress(host: "10.0.0.2", port: 26379)
    let three = RedisAddress(host: "10.0.0.3", port: 26380)

    @Test func theSentinelThatAnsweredIsAskedFirstNextTime() {
        var rotation = RedisSentinelRotation([self.one, self.two, self.three])
        rotation.answered(self.three)
        #expect(rotation.order == [self.three, self.one, self.two])
        rotation.answered(self.three)
        #expect(rotation.order == [self.three, self.one, self.two])
        rotation.answered(RedisAddress(host: "unknown", port: 1))
        #expect(rotation.order == [self.three, self.one, self.two])
    }

    @Test func masterAddressRepliesAreReadOrRejected() {
        #expect(
            RedisSentinelRotation.masterAddress(from: .array([.bulkString("10.0.0.9"), .bulkString("6380")]))
                == RedisAddress(host: "10.0.0.9", port: 6380))
        // An unknown master name: RESP2 null array, RESP3 null.
        #expect(RedisSentinelRotation.masterAddress(from: .null) == nil)
        #expect(RedisSentinelRotation.masterAddress(from: .array(nil)) == nil)
        #expect(RedisSentinelRotation.masterAddress(from: .array([.bulkString("h")])) == nil)
        #expect(RedisSentinelRotation.masterAddress(from: .array([.bulkString("h"), .bulkString("0")])) == nil)
        #expect(RedisSentinelRotation.masterAddress(from: .array([.bulkString("h"), .bulkString("70000")])) == nil)
        #expect(RedisSentinelRotation.masterAddress(from: .array([.bulkString(""), .bulkString("1")])) == nil)
        #expect(RedisSentinelRotation.masterAddress(from: .simpleError(ByteBuffer(string: "ERR"))) == nil)
    }

    @Test func switchAnnouncementsAreReadForTheirMasterOnly() {
        #expect(
            RedisSentinelRotation.switchedMaster("mymaster 10.0.0.1 6379 10.0.0.2 6380", masterName: "mymaster")
                == RedisAddress(host: "10.0.0.2", port: 6380))
        #expect(RedisSentinelRotation.switchedMaster("other 10.0.0.1 6379 10.0.0.2 6380", masterName: "mymaster") == nil)
        #expect(RedisSentinelRotation.switchedMaster("mymaster 10.0.0.1 6379 10.0.0.2", masterName: "mymaster") == nil)
        #expect(RedisSentinelRotation.switchedMaster("mymaster a 1 b port", masterName: "mymaster") == nil)
        #expect(RedisSentinelRotation.switchedMaster("", masterName: "mymaster") == nil)
    }

    @Test func onlyAMasterRoleCounts() {
        #expect(RedisSentinelRotation.isMaster(roleReply: .array([.bulkString("master"), .integer(0), .array([])])))
        #expect(!RedisSentinelRotation.isMaster(roleReply: .array([.bulkString("slave"), .bulkString("h")])))
        #expect(!RedisSentinelRotation.isMaster(roleReply: .simpleString("OK")))
    }

    @Test func addressesParse() {
        #expect(RedisAddress.parse("127.0.0.1:26380", defaultPort: 26379) == RedisAddress(host: "127.0.0.1", port: 26380))
        #expect(RedisAddress.parse("sentinel-1", defaultPort: 26379) == RedisAddress(host: "sentinel-1", port: 26379))
        #expect(RedisAddress.parse("[::1]:5000", defaultPort: 26379) == RedisAddress(host: "::1", port: 5000))
        #expect(RedisAddress.parse("[::1]", defaultPort: 26379) == RedisAddress(host: "::1", port: 26379))
        #expect(RedisAddress(host: "::1", port: 5000).description == "[::1]:5000")
        for bad in ["", ":1", "h:", "h:x", "h:0", "h:65536", "[::1", "[::1]x"] {
            #expect(RedisAddress.parse(bad, defaultPort: 26379) == nil, "\(bad)")
        }
    }
}
