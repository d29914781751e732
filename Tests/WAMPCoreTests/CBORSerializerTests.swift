import Testing

@testable import WAMPCore

@Suite struct CBORSerializerTests {
    let cbor = CBORSerializer()

    func decode(_ hex: String, sourceLocation: SourceLocation = #_sourceLocation) -> WAMPValue? {
        expectDecodes(self.cbor, bytes(hex: hex), sourceLocation: sourceLocation)
    }

    func encode(_ value: WAMPValue) -> String {
        hexString(self.cbor.encode(value))
    }

    @Test func encodesSmallestHeads() {
        #expect(self.encode(0) == "00")
        #expect(self.encode(23) == "17")
        #expect(self.encode(24) == "1818")
        #expect(self.encode(255) == "18ff")
        #expect(self.encode(256) == "190100")
        #expect(self.encode(65535) == "19ffff")
        #expect(self.encode(65536) == "1a00010000")
        #expect(self.encode(.uint(4_294_967_296)) == "1b0000000100000000")
        #expect(self.encode(.uint(UInt64.max)) == "1bffffffffffffffff")
        #expect(self.encode(-1) == "20")
        #expect(self.encode(-24) == "37")
        #expect(self.encode(-25) == "3818")
        #expect(self.encode(-100) == "3863")
        #expect(self.encode(-1000) == "3903e7")
        #expect(self.encode(.int(Int64.min)) == "3b7fffffffffffffff")
        #expect(self.encode(nil) == "f6")
        #expect(self.encode(false) == "f4")
        #expect(self.encode(true) == "f5")
        #expect(self.encode(1.5) == "fb3ff8000000000000")
        #expect(self.encode("") == "60")
        #expect(self.encode("IETF") == "6449455446")
        #expect(self.encode(.binary([1, 2, 3, 4])) == "4401020304")
        #expect(self.encode([1, [2, 3]]) == "8201820203")
        #expect(self.encode(["a": 1]) == "a1616101")
        #expect(self.encode(.list(Array(repeating: 0, count: 25))).hasPrefix("981900"))
    }

    /// Examples from RFC 8949 Appendix A.
    @Test func decodesRFCExamples() {
        #expect(self.decode("00") == .int(0))
        #expect(self.decode("17") == .int(23))
        #expect(self.decode("1818") == .int(24))
        #expect(self.decode("1903e8") == .int(1000))
        #expect(self.decode("1a000f4240") == .int(1_000_000))
        #expect(self.decode("1b000000e8d4a51000") == .int(1_000_000_000_000))
        #expect(self.decode("1bffffffffffffffff") == .uint(UInt64.max))
        #expect(self.decode("20") == .int(-1))
        #expect(self.decode("29") == .int(-10))
        #expect(self.decode("3863") == .int(-100))
        #expect(self.decode("3903e7") == .int(-1000))
        #expect(self.decode("3b7fffffffffffffff") == .int(Int64.min))
        #expect(self.decode("fb3ff199999999999a") == .double(1.1))
        #expect(self.decode("fa47c35000") == .double(100_000.0))
        #expect(self.decode("fa7f7fffff") == .double(3.4028234663852886e+38))
        #expect(self.decode("fb7e37e43c8800759c") == .double(1.0e+300))
        #expect(self.decode("fbc010666666666666") == .double(-4.1))
        #expect(self.decode("f4") == .bool(false))
        #expect(self.decode("f5") == .bool(true))
        #expect(self.decode("f6") == .null)
        #expect(self.decode("f7") == .null)
        #expect(self.decode("40") == .binary([]))
        #expect(self.decode("4401020304") == .binary([1, 2, 3, 4]))
        #expect(self.decode("60") == "")
        #expect(self.decode("6161") == "a")
        #expect(self.decode("62225c") == "\"\\")
        #expect(self.decode("62c3bc") == "ü")
        #expect(self.decode("63e6b0b4") == "水")
        #expect(self.decode("64f0908591") == "\u{10151}")
        #expect(self.decode("80") == [])
        #expect(self.decode("83010203") == [1, 2, 3])
        #expect(self.decode("8301820203820405") == [1, [2, 3], [4, 5]])
        #expect(self.decode("a0") == [:])
        #expect(self.decode("a26161016162820203") == ["a": 1, "b": [2, 3]])
        #expect(self.decode("826161a161626163") == ["a", ["b": "c"]])
    }

    @Test func decodesHalfFloats() {
        #expect(self.decode("f90000")?.doubleValue?.bitPattern == (0.0 as Double).bitPattern)
        #expect(self.decode("f98000")?.doubleValue?.bitPattern == (-0.0 as Double).bitPattern)
        #expect(self.decode("f93c00") == .double(1.0))
        #expect(self.decode("f93e00") == .double(1.5))
        #expect(self.decode("f97bff") == .double(65504.0))
        #expect(self.decode("f90001") == .double(5.960464477539063e-8))
        #expect(self.decode("f903ff") == .double(0.00006097555160522461))
        #expect(self.decode("f90400") == .double(0.00006103515625))
        #expect(self.decode("f9c400") == .double(-4.0))
        #expect(self.decode("f93555") == .double(0.333251953125))
        #expect(self.decode("f97c00") == .double(.infinity))
        #expect(self.decode("f9fc00") == .double(-.infinity))
        #expect(self.decode("f97e00")?.doubleValue?.isNaN == true)
        #expect(self.decode("fa7fc00000")?.doubleValue?.isNaN == true)
        // Every half value agrees with the platform's Float16 where one exists (x86 Linux has it).
        #if !os(macOS) || arch(arm64)
            for bits in UInt16.min...UInt16.max {
                let expected = Double(Float16(bitPattern: bits))
                let actual = CBORReader.halfToDouble(bits)
                #expect(actual.bitPattern == expected.bitPattern || (actual.isNaN && expected.isNaN), "\(bits)")
            }
        #endif
    }

    @Test func decodesIndefiniteLengthItems() {
        #expect(self.decode("5f42010243030405ff") == .binary([1, 2, 3, 4, 5]))
        #expect(self.decode("5fff") == .binary([]))
        #expect(self.decode("5f40ff") == .binary([]))
        #expect(self.decode("7f657374726561646d696e67ff") == "streaming")
        #expect(self.decode("7fff") == "")
        #expect(self.decode("7f62c3bc63e6b0b4ff") == "ü水")
        #expect(self.decode("9fff") == [])
        #expect(self.decode("9f018202039f0405ffff") == [1, [2, 3], [4, 5]])
        #expect(self.decode("9f01820203820405ff") == [1, [2, 3], [4, 5]])
        #expect(self.decode("83018202039f0405ff") == [1, [2, 3], [4, 5]])
        #expect(self.decode("83019f0203ff820405") == [1, [2, 3], [4, 5]])
        #expect(self.decode("bf61610161629f0203ffff") == ["a": 1, "b": [2, 3]])
        #expect(self.decode("826161bf61626163ff") == ["a", ["b": "c"]])
        #expect(self.decode("bf6346756ef563416d7421ff") == ["Fun": true, "Amt": -2])
        #expect(self.decode("bf7f6161ff01ff") == ["a": 1])
    }

    @Test func skipsTags() {
        #expect(self.decode("c074323031332d30332d32315432303a30343a30305a") == "2013-03-21T20:04:00Z")
        #expect(self.decode("c11a514b67b0") == .int(1_363_896_240))
        #expect(self.decode("d74401020304") == .binary([1, 2, 3, 4]))
        #expect(self.decode("d82076687474703a2f2f7777772e6578616d706c652e636f6d") == "http://www.example.com")
        #expect(self.decode("d9d9f7 c6 820102") == [1, 2])
        #expect(self.decode("a1 c6 6161 01") == ["a": 1])
        // A long run of tags costs no stack: they are skipped in a loop.
        #expect(expectDecodes(self.cbor, [UInt8](repeating: 0xC6, count: 100_000) + [0x01]) == .int(1))
    }

    @Test func rejectsMalformedInput() {
        let bad: [(String, String)] = [
            ("", "empty input"),
            ("3bffffffffffffffff", "negative integer below Int64.min"),
            ("3b8000000000000000", "-2^63 - 1"),
            ("1c", "reserved additional info 28"), ("1d", "reserved 29"), ("1e", "reserved 30"), ("1f", "indefinite uint"),
            ("3f", "indefinite negative integer"), ("df", "indefinite tag"), ("fc", "reserved simple 28"),
            ("ff", "break outside indefinite item"), ("81ff", "break as array element"), ("bf6161ffff", "break as map value"),
            ("f0", "unassigned simple value 16"), ("f818", "simple value 24"), ("f8ff", "simple value 255"),
            ("e0", "simple value 0"),
            ("5f01ff", "byte string chunk is an integer"), ("5f6161ff", "text chunk in byte string"),
            ("5f5f4101ffff", "nested indefinite byte string"), ("7f4101ff", "byte chunk in text string"),
            ("7f7f6161ffff", "nested indefinite text string"), ("7f61c361a8ff", "UTF-8 split across chunks"),
            ("9f01", "unterminated indefinite array"), ("bf616101", "unterminated indefinite map"),
            ("5f4101", "unterminated indefinite bytes"), ("7f6161", "unterminated indefinite text"),
            ("62c328", "invalid UTF-8"), ("63eda080", "UTF-8 surrogate"), ("a1 62c328 01", "invalid UTF-8 key"),
            ("a1 01 02", "integer map key"), ("a1 4161 02", "byte string map key"), ("a1 f6 02", "null map key"),
            ("bf 01 02 ff", "integer key in indefinite map"),
            ("0000", "trailing bytes"), ("8100 00", "trailing after array"),
            ("5bffffffffffffffff", "huge byte string"), ("7b0000000100000000", "huge text string"),
            ("9bffffffffffffffff", "huge array"), ("bbffffffffffffffff", "huge map"),
            ("9affffffff", "huge array32"), ("baffffffff", "huge map32"),
            ("c6", "tag without item"), ("f9 3c", "short half"), ("fa 3f80", "short float"), ("1b 0000", "short uint64"),
            ("82 01", "short array"), ("a1 6161", "map key without value"),
        ]
        for (hex, comment) in bad {
            expectRejected(self.cbor, bytes(hex: hex), comment)
        }
    }
}
