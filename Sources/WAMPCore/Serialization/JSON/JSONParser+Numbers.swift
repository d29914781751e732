extension JSONParser {
    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    /// Parses an RFC 8259 number: integers that fit `Int64` become `.int`, larger non-negative
    /// ones that fit `UInt64` become `.uint`, everything else `.double`.
    mutating func parseNumber() throws(DecodingError) -> WAMPValue {
        let start = self.index
        let count = self.bytes.count
        var negative = false
        if self.bytes[self.index] == UInt8(ascii: "-") {
            negative = true
            self.index &+= 1
        }
        guard self.index < count, Self.isDigit(self.bytes[self.index]) else {
            throw self.error("invalid number")
        }
        var magnitude: UInt64 = 0
        var overflow = false
        if self.bytes[self.index] == UInt8(ascii: "0") {
            self.index &+= 1
            if self.index < count && Self.isDigit(self.bytes[self.index]) {
                throw self.error("leading zero in number")
            }
        } else {
            while self.index < count {
                let digit = self.bytes[self.index] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
                overflow = overflow || o1 || o2
                magnitude = sum
                self.index &+= 1
            }
        }
        var isInteger = true
        if self.index < count && self.bytes[self.index] == UInt8(ascii: ".") {
            isInteger = false
            self.index &+= 1
            guard self.index < count, Self.isDigit(self.bytes[self.index]) else {
                throw self.error("missing digits after decimal point")
            }
            while self.index < count && Self.isDigit(self.bytes[self.index]) { self.index &+= 1 }
        }
        if self.index < count && (self.bytes[self.index] | 0x20) == UInt8(ascii: "e") {
            isInteger = false
            self.index &+= 1
            if self.index < count && (self.bytes[self.index] == UInt8(ascii: "+") || self.bytes[self.index] == UInt8(ascii: "-")) {
                self.index &+= 1
            }
            guard self.index < count, Self.isDigit(self.bytes[self.index]) else {
                throw self.error("missing digits in exponent")
            }
            while self.index < count && Self.isDigit(self.bytes[self.index]) { self.index &+= 1 }
        }

        if isInteger && !overflow {
            if !negative {
                return .decodedUnsigned(magnitude)
            }
            if magnitude <= UInt64(Int64.max) {
                return .int(-Int64(magnitude))
            }
            if magnitude == UInt64(Int64.max) + 1 {
                return .int(Int64.min)
            }
        }
        let text = UnsafeBufferPointer(rebasing: self.bytes[start..<self.index])
        if let value = Self.fastDouble(text) {
            return .double(value)
        }
        guard let value = Double(String(decoding: text, as: UTF8.self)), value.isFinite else {
            throw DecodingError(reason: "number out of range", offset: start)
        }
        return .double(value)
    }

    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Clinger's fast path: when the significant digits fit in 2^53 and the decimal exponent is
    /// within ±22, one correctly rounded multiplication or division gives the exact answer.
    /// Returns `nil` when the slow (but correct) path is needed. `text` is grammar-checked.
    private static func fastDouble(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        var index = 0
        let negative = text[0] == UInt8(ascii: "-")
        if negative { index = 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        while index < text.count, Self.isDigit(text[index]) {
            let digit = UInt64(text[index] &- UInt8(ascii: "0"))
            if mantissa != 0 || digit != 0 {
                digits += 1
                if digits > 19 { return nil }
                mantissa = mantissa &* 10 &+ digit
            }
            index += 1
        }
        if index < text.count && text[index] == UInt8(ascii: ".") {
            index += 1
            while index < text.count, Self.isDigit(text[index]) {
                let digit = UInt64(text[index] &- UInt8(ascii: "0"))
                if mantissa != 0 || digit != 0 {
                    digits += 1
                    if digits > 19 { return nil }
                    mantissa = mantissa &* 10 &+ digit
                }
                exponent -= 1
                index += 1
            }
        }
        if index < text.count {  // exponent part
            index += 1
            var exponentNegative = false
            if text[index] == UInt8(ascii: "+") {
                index += 1
            } else if text[index] == UInt8(ascii: "-") {
                exponentNegative = true
                index += 1
            }
            var value = 0
            while index < text.count {
                value = value * 10 + Int(text[index] &- UInt8(ascii: "0"))
                if value > 1000 { return nil }
                index += 1
            }
            exponent += exponentNegative ? -value : value
        }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        guard mantissa <= 1 << 53, exponent >= -22, exponent <= 22 else { return nil }
        var result = Double(mantissa)
        if exponent >= 0 {
            result *= Self.powersOfTen[exponent]
        } else {
            result /= Self.powersOfTen[-exponent]
        }
        return negative ? -result : result
    }
}
