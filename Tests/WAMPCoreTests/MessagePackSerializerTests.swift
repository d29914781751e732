import Testing

@testable import WAMPCore

@Suite struct MessagePackSerializerTests {
    let msgpack = MessagePackSerializer()

    func decode(_ hex: String, sourceLocation: SourceLocation = #_sourceLocation) -> WAMPValue? {
        expectDecodes(self.msgpack, bytes(hex: hex), sourceLocation: sourceLocation)
    }

    func encode(_ value: WAMPValue) -> String {
        hexString(self.msgpack.encode(value))
    }

    @Test func encodesIntegersInTheSmallestFormat() {
        #expect(self.encode(0) == "00")
        #expect(self.encode(127) == "7f")
        #expect(self.encode(128) == "cc80")
        #expect(self.encode(255) == "ccff")
        #expect(self.encode(256) == "cd0100")
        #expect(self.encode(65535) == "cdffff")
        #expect(self.encode(65536) == "ce00010000")
        #expect(self.encode(.uint(4_294_967_295)) == "ceffffffff")
        #expect(self.encode(.uint(4_294_967_296)) == "cf0000000100000000")
        #expect(self.encode(.uint(UInt64.max)) == "cfffffffffffffffff")
        #expect(self.encode(.int(Int64.max)) == "cf7fffffffffffffff")
        #expect(self.encode(-1) == "ff")
        #expect(self.encode(-32) == "e0")
        #expect(self.encode(-33) == "d0df")
        #expect(self.encode(-128) == "d080")
        #expect(self.encode(-129) == "d1ff7f")
        #expect(self.encode(-32768) == "d18000")
        #expect(self.encode(-32769) == "d2ffff7fff")
        #expect(self.encode(.int(Int64(Int32.min))) == "d280000000")
        #expect(self.encode(.int(Int64(Int32.min) - 1)) == "d3ffffffff7fffffff")
        #expect(self.encode(.int(Int64.min)) == "d38000000000000000")
    }

    @Test func encodesOtherTypes() {
        #expect(self.encode(nil) == "c0")
        #expect(self.encode(false) == "c2")
        #expect(self.encode(true) == "c3")
        #expect(self.encode(1.5) == "cb3ff8000000000000")
        #expect(self.encode("") == "a0")
        #expect(self.encode("a") == "a161")
        #expect(self.encode(.string(String(repeating: "x", count: 31))).hasPrefix("bf78"))
        #expect(self.encode(.string(String(repeating: "x", count: 32))).hasPrefix("d92078"))
        #expect(self.encode(.string(String(repeating: "x", count: 256))).hasPrefix("da010078"))
        #expect(self.encode(.string(String(repeating: "x", count: 65536))).hasPrefix("db0001000078"))
        #expect(self.encode(.binary([])) == "c400")
        #expect(self.encode(.binary([1, 2])) == "c4020102")
        #expect(self.encode(.binary([UInt8](repeating: 0, count: 256))).hasPrefix("c5010000"))
        #expect(self.encode(.binary([UInt8](repeating: 0, count: 65536))).hasPrefix("c60001000000"))
        #expect(self.encode([]) == "90")
        #expect(self.encode(.list(Array(repeating: 1, count: 15))).hasPrefix("9f01"))
        #expect(self.encode(.list(Array(repeating: 1, count: 16))).hasPrefix("dc001001"))
        #expect(self.encode(.list(Array(repeating: 1, count: 65536))).hasPrefix("dd0001000001"))
        #expect(self.encode([:]) == "80")
        #expect(self.encode(["a": 1]) == "81a16101")
        let bigMap = WAMPValue.dict(Dictionary(uniqueKeysWithValues: (0..<16).map { ("k\($0)", WAMPValue.int(0)) }))
        #expect(self.encode(bigMap).hasPrefix("de0010"))
    }

    @Test func decodesEveryIntegerFormat() {
        #expect(self.decode("00") == .int(0))
        #expect(self.decode("7f") == .int(127))
        #expect(self.decode("e0") == .int(-32))
        #expect(self.decode("ff") == .int(-1))
        #expect(self.decode("ccff") == .int(255))
        #expect(self.decode("cdffff") == .int(65535))
        #expect(self.decode("ceffffffff") == .int(4_294_967_295))
        #expect(self.decode("cf0000000000000001") == .int(1))
        #expect(self.decode("cf7fffffffffffffff") == .int(Int64.max))
        #expect(self.decode("cf8000000000000000") == .uint(1 << 63))
        #expect(self.decode("cfffffffffffffffff") == .uint(UInt64.max))
        #expect(self.decode("d080") == .int(-128))
        #expect(self.decode("d005") == .int(5))
        #expect(self.decode("d18000") == .int(-32768))
        #expect(self.decode("d280000000") == .int(Int64(Int32.min)))
        #expect(self.decode("d38000000000000000") == .int(Int64.min))
        #expect(self.decode("d3ffffffffffffffff") == .int(-1))
    }

    @Test func decodesOtherFormats() {
        #expect(self.decode("c0") == .null)
        #expect(self.decode("c2") == .bool(false))
        #expect(self.decode("c3") == .bool(true))
        #expect(self.decode("ca3fc00000") == .double(1.5))
        #expect(self.decode("cb3fb999999999999a") == .double(0.1))
        #expect(self.decode("a3616263") == "abc")
        #expect(self.decode("d903616263") == "abc")
        #expect(self.decode("da0003616263") == "abc")
        #expect(self.decode("db00000003616263") == "abc")
        #expect(self.decode("a4f09f9880") == "😀")
        #expect(self.decode("c403010203") == .binary([1, 2, 3]))
        #expect(self.decode("c50003010203") == .binary([1, 2, 3]))
        #expect(self.decode("c600000003010203") == .binary([1, 2, 3]))
        #expect(self.decode("92 01 a161") == [1, "a"])
        #expect(self.decode("dc0002 01 02") == [1, 2])
        #expect(self.decode("dd00000002 01 02") == [1, 2])
        #expect(self.decode("81 a161 01") == ["a": 1])
        #expect(self.decode("de0001 a161 01") == ["a": 1])
        #expect(self.decode("df00000001 a161 81 d90162 02") == ["a": ["b": 2]])
        #expect(self.decode("82 a161 01 a161 02") == ["a": 2])
    }

    @Test func rejectsMalformedInput() {
        let bad: [(String, String)] = [
            ("", "empty input"),
            ("c1", "never-used format byte"),
            ("d40100", "fixext1"), ("d5010000", "fixext2"), ("d801" + String(repeating: "00", count: 16), "fixext16"),
            ("c70101ff", "ext8"), ("c8000101ff", "ext16"), ("c900000001 01 ff", "ext32"),
            ("d6ff00000000", "timestamp ext"),
            ("a2c328", "invalid UTF-8"), ("a2c0af", "overlong UTF-8"), ("a3eda080", "UTF-8 surrogate"),
            ("81 01 02", "integer map key"), ("81 c40161 02", "binary map key"), ("81 c0 02", "nil map key"),
            ("81 a2c328 01", "invalid UTF-8 key"),
            ("0000", "trailing byte"), ("9100 00", "trailing after array"),
            ("dbffffffff", "huge str32"), ("c6ffffffff", "huge bin32"), ("ddffffffff", "huge array32"),
            ("dfffffffff", "huge map32"), ("dcffff", "huge array16"), ("deffff", "huge map16"),
            ("a5616263", "short fixstr"), ("c405 0102", "short bin8"), ("93 01 02", "short fixarray"),
            ("82 a161 01", "short fixmap"), ("cb3ff0", "short float64"), ("cd01", "short uint16"),
        ]
        for (hex, comment) in bad {
            expectRejected(self.msgpack, bytes(hex: hex), comment)
        }
    }
}
