import Testing

@testable import WAMPCore

@Suite struct JSONSerializerTests {
    let json = JSONSerializer()

    func decode(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> WAMPValue? {
        expectDecodes(self.json, Array(text.utf8), sourceLocation: sourceLocation)
    }

    func encode(_ value: WAMPValue) -> String {
        String(decoding: self.json.encode(value), as: UTF8.self)
    }

    @Test func encodesCompactly() {
        #expect(self.encode([1, "a", nil, true, false, [:], []]) == #"[1,"a",null,true,false,{},[]]"#)
        #expect(self.encode(["k": ["x": -5]]) == #"{"k":{"x":-5}}"#)
        #expect(self.encode(.int(Int64.min)) == "-9223372036854775808")
        #expect(self.encode(.int(Int64.max)) == "9223372036854775807")
        #expect(self.encode(.uint(UInt64.max)) == "18446744073709551615")
        #expect(self.encode(.uint(0)) == "0")
        #expect(self.encode(.double(1.0)) == "1.0")
        #expect(self.encode(.double(0.5)) == "0.5")
        #expect(self.encode(.double(1e300)) == "1e+300")
        #expect(self.encode(.double(.nan)) == "null")
        #expect(self.encode(.double(.infinity)) == "null")
        #expect(self.encode(.double(-.infinity)) == "null")
    }

    @Test func escapesStrings() {
        #expect(self.encode("a\"b\\c") == #""a\"b\\c""#)
        #expect(self.encode("\n\r\t\u{08}\u{0C}") == #""\n\r\t\b\f""#)
        #expect(self.encode("\u{01}\u{1F}") == #""\u0001\u001f""#)
        #expect(self.encode("/é😀\u{7F}") == "\"/é😀\u{7F}\"")
    }

    @Test func decodesLiteralsAndWhitespace() {
        #expect(self.decode(" \t\r\n[ 1 , true ,false, null ,\"x\" ] \n") == [1, true, false, nil, "x"])
        #expect(self.decode("{ \"a\" : { } , \"b\" : [ ] }") == ["a": [:], "b": []])
        #expect(self.decode("\"top-level string\"") == "top-level string")
        #expect(self.decode("42") == 42)
        #expect(self.decode("{\"a\":1,\"a\":2}") == ["a": 2])
    }

    @Test func decodesNumbers() {
        #expect(self.decode("0") == .int(0))
        #expect(self.decode("-0") == .int(0))
        #expect(self.decode("-1") == .int(-1))
        #expect(self.decode("9223372036854775807") == .int(Int64.max))
        #expect(self.decode("9223372036854775808") == .uint(9_223_372_036_854_775_808))
        #expect(self.decode("18446744073709551615") == .uint(UInt64.max))
        #expect(self.decode("18446744073709551616") == .double(18_446_744_073_709_551_616.0))
        #expect(self.decode("-9223372036854775808") == .int(Int64.min))
        #expect(self.decode("-9223372036854775809") == .double(-9_223_372_036_854_775_809.0))
        #expect(self.decode("9007199254740992") == .int(1 << 53))
        #expect(self.decode("0.5") == .double(0.5))
        #expect(self.decode("-0.0")?.doubleValue?.sign == .minus)
        #expect(self.decode("1e300") == .double(1e300))
        #expect(self.decode("1E+2") == .double(100))
        #expect(self.decode("2.5e-3") == .double(0.0025))
        #expect(self.decode("0.1") == .double(0.1))
        #expect(self.decode("1e-400") == .double(0))
        #expect(self.decode("123456789012345678901234567890") == .double(1.2345678901234568e29))
        #expect(self.decode("2.2250738585072011e-308") == .double(Double("2.2250738585072011e-308")!))
        #expect(self.decode("4.9406564584124654e-324") == .double(.leastNonzeroMagnitude))
        #expect(self.decode("1.7976931348623157e308") == .double(1.7976931348623157e308))
        #expect(self.decode("0.000000000000000000000000000001") == .double(1e-30))
    }

    @Test func integralFloatsStayDoublesButAreUsableAsIDs() throws {
        let value = try #require(self.decode("1.0"))
        #expect(value == .double(1.0))
        #expect(value.unsignedInteger == 1)
        let message = try WAMPMessage(from: try #require(self.decode("[33, 713845233.0, 5512315355]")))
        #expect(message == .subscribed(.init(request: 713_845_233, subscription: 5_512_315_355)))
    }

    @Test func doublesRoundTripBitForBit() {
        var generator = SeededGenerator(seed: 7)
        var checked = 0
        while checked < 2000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            checked += 1
            let decoded = decodeResult(self.json, self.json.encode(.double(value)))
            guard case .success(.double(let back)) = decoded else {
                Issue.record("\(value) decoded to \(decoded)")
                continue
            }
            #expect(back.bitPattern == value.bitPattern, "\(value) came back as \(back)")
        }
        // Short decimals hit the fast path; check it against the stdlib's parser.
        for _ in 0..<2000 {
            let text = "\(Int64.random(in: -999_999_999...999_999_999, using: &generator))e\(Int.random(in: -30...30, using: &generator))"
            #expect(self.decode(text) == .double(Double(text)!), "\(text)")
        }
    }

    @Test func decodesEscapes() {
        #expect(self.decode(#""\"\\\/\b\f\n\r\t""#) == "\"\\/\u{08}\u{0C}\n\r\t")
        #expect(self.decode(#""caf\u00e9 \u00E9""#) == "café é")
        #expect(self.decode(#""\ud83d\ude00""#) == "😀")
        #expect(self.decode(#""a\uD834\uDD1Eb""#) == "a𝄞b")
        #expect(self.decode(#""\u20ac""#) == "€")
        #expect(self.decode("\"raw 😀 é\"") == "raw 😀 é")
        #expect(self.decode(#"{"\u0000key":1}"#) == ["\u{0}key": 1])
    }

    @Test func binaryConvention() {
        // The example from the WAMP spec.
        let bytes: [UInt8] = [0x10, 0xE3, 0xFF, 0x90, 0x53, 0x07, 0x5C, 0x52, 0x6F, 0x5F, 0xC0, 0x6D, 0x4F, 0xE3, 0x7C, 0xDB]
        #expect(self.encode(.binary(bytes)) == #""\u0000EOP/kFMHXFJvX8BtT+N82w==""#)
        #expect(self.decode(#""\u0000EOP/kFMHXFJvX8BtT+N82w==""#) == .binary(bytes))
        #expect(self.decode(#""\u0000EOP\/kFMHXFJvX8BtT+N82w==""#) == .binary(bytes))
        #expect(self.decode(#""\u0000EOP/kFMHXFJvX8BtT+N82w""#) == .binary(bytes))
        #expect(self.decode(#""\u0000""#) == .binary([]))
        #expect(self.encode(.binary([])) == #""\u0000""#)
        for count in 0..<8 {
            let value = WAMPValue.binary(Array(UInt8(0)..<UInt8(count)))
            #expect(self.decode(self.encode(value)) == value)
        }
        expectRejected(self.json, Array(#""\u0000not base64!""#.utf8))
        expectRejected(self.json, Array(#""\u0000A""#.utf8))
        expectRejected(self.json, Array(#""\u0000AB=""#.utf8))
    }

    @Test func rejectsBadSyntax() {
        let bad = [
            "", " ", "[1,]", "[01]", "{\"a\"}", "[1] x", "[1]]", "{\"a\":1,}", "[1 2]", "-", "1.", ".5", "1e", "1e+",
            "+1", "tru", "nul", "nulls", "\"abc", "\"\\x\"", "NaN", "Infinity", "-Infinity", "[", "{", "{1:2}",
            "\"\\u12\"", "\"\\u12g4\"", "'a'", "\"a\tb\"", "\"a\nb\"", "[,1]", "{,}", "{\"a\" 1}", "-01", "00",
            "1.5.2", "[1,,2]", "// c\n1", "1e400", "-1e400", "0x10", "\u{FEFF}1", "[\"a\"", "{\"a\":",
        ]
        for text in bad {
            expectRejected(self.json, Array(text.utf8), "\(text.debugDescription)")
        }
    }

    @Test func rejectsInvalidUnicode() {
        expectRejected(self.json, [0x22, 0xC3, 0x28, 0x22], "invalid 2-byte sequence")
        expectRejected(self.json, [0x22, 0xC0, 0xAF, 0x22], "overlong encoding")
        expectRejected(self.json, [0x22, 0xED, 0xA0, 0x80, 0x22], "UTF-8 encoded surrogate")
        expectRejected(self.json, [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], "beyond U+10FFFF")
        expectRejected(self.json, [0x22, 0xFF, 0x22], "0xFF byte")
        expectRejected(self.json, [0x22, 0x5C, 0x6E, 0xE2, 0x82, 0x22], "truncated sequence after escape")
        expectRejected(self.json, [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D], "invalid key")
        expectRejected(self.json, Array(#""\ud800""#.utf8), "lone high surrogate")
        expectRejected(self.json, Array(#""\udc00""#.utf8), "lone low surrogate")
        expectRejected(self.json, Array(#""\ud800\u0041""#.utf8), "high surrogate then non-surrogate")
        expectRejected(self.json, Array(#""\ud800\ud800""#.utf8), "two high surrogates")
        expectRejected(self.json, Array(#""\ud800x""#.utf8), "high surrogate then text")
    }
}
