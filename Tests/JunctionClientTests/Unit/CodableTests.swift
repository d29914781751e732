import Testing

@testable import JunctionClient

@Suite struct CodableTests {
    struct Point: Codable, Equatable {
        var x: Int
        var y: Double
        var label: String?
    }

    @Test func roundTripsThroughWAMPValues() throws {
        let point = Point(x: 3, y: 1.5, label: "a")
        let value = try WAMPValue(encoding: point)
        #expect(value["x"]?.signedInteger == 3)
        #expect(try value.decode(Point.self) == point)
        let kwargs = try WAMPDict(encoding: point)
        let result = CallResult(args: [value, 42], kwargs: kwargs)
        #expect(try result.argument(0, as: Point.self) == point)
        #expect(try result.argument(1, as: Int.self) == 42)
        #expect(try result.kwargs(as: Point.self) == point)
        #expect(throws: WAMPClientError.self) { try result.argument(2, as: Int.self) }
        #expect(throws: WAMPClientError.self) { try WAMPValue.string("x").decode(Point.self) }
        #expect(throws: WAMPClientError.self) { try WAMPDict(encoding: [1, 2]) }
    }

    @Test func commandLineJSON() {
        #expect(WAMPJSON.parse("[1, \"a\"]") == [1, "a"])
        #expect(WAMPJSON.parse("hello") == nil)
        #expect(WAMPJSON.string(["a": 1]) == #"{"a":1}"#)
    }
}
