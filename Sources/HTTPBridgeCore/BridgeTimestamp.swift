/// The `timestamp` query parameter of a bridge request: UTC in Crossbar's
/// `%Y-%m-%dT%H:%M:%S.%fZ` format (`2011-10-14T16:59:51.123Z`), as Python's `strptime` reads
/// it: 4-digit year, 1–2 digit fields, 1–6 digits of fraction.
public enum BridgeTimestamp {
    /// Seconds since 1970-01-01T00:00:00Z, or `nil` if `text` is not in the format or names no
    /// real date.
    public static func parse(_ text: String) -> Double? {
        var cursor = Substring(text)
        guard let year = self.number(&cursor, digits: 4...4), self.take(&cursor, "-"),
            let month = self.number(&cursor, digits: 1...2), self.take(&cursor, "-"),
            let day = self.number(&cursor, digits: 1...2), self.take(&cursor, "T"),
            let hour = self.number(&cursor, digits: 1...2), self.take(&cursor, ":"),
            let minute = self.number(&cursor, digits: 1...2), self.take(&cursor, ":"),
            let second = self.number(&cursor, digits: 1...2), self.take(&cursor, ".")
        else { return nil }
        let fractionDigits = cursor.prefix(while: { $0.isASCII && $0.isNumber })
        guard (1...6).contains(fractionDigits.count) else { return nil }
        cursor = cursor.dropFirst(fractionDigits.count)
        guard cursor == "Z", year >= 1, (1...12).contains(month), hour < 24, minute < 60, second < 62,
            (1...self.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        let fraction = Double(Int(fractionDigits)!) / pow10(fractionDigits.count)
        let days = self.daysFromCivil(year: year, month: month, day: day)
        return Double(days * 86400 + hour * 3600 + minute * 60 + min(second, 59)) + fraction
    }

    /// Formats seconds since the epoch the way clients send it (microseconds), e.g. for tests
    /// and the benchmark's load generator.
    public static func format(_ seconds: Double) -> String {
        let micros = Int64((seconds * 1_000_000).rounded(.down))
        let whole = Int(micros.quotientAndRemainder(dividingBy: 1_000_000).quotient)
        let fraction = Int(micros - Int64(whole) * 1_000_000)
        let days = whole >= 0 ? whole / 86400 : (whole - 86399) / 86400
        let secondOfDay = whole - days * 86400
        let (year, month, day) = self.civilFromDays(days)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(fraction, 6))Z"
    }

    private static func pow10(_ exponent: Int) -> Double {
        var result = 1.0
        for _ in 0..<exponent { result *= 10 }
        return result
    }

    private static func take(_ cursor: inout Substring, _ character: Character) -> Bool {
        guard cursor.first == character else { return false }
        cursor.removeFirst()
        return true
    }

    private static func number(_ cursor: inout Substring, digits: ClosedRange<Int>) -> Int? {
        let run = cursor.prefix(while: { $0.isASCII && $0.isNumber }).prefix(digits.upperBound)
        guard digits.contains(run.count), let value = Int(run) else { return nil }
        cursor = cursor.dropFirst(run.count)
        return value
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }

    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let dayOfEra = z - era * 146097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
