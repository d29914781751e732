/// Why a byte stream is not RESP. The stream cannot be resynchronized after any of these (RESP has
/// no frame boundaries independent of its content), so the connection must be closed.
public struct RESPParsingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, stable for tests and metrics; `detail` says where and with which bytes.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidTypeByte, invalidLength, missingCRLF, lineTooLong, bulkTooLong, aggregateTooLong
            case tooDeep, invalidInteger, invalidDouble, invalidBoolean, invalidNull, invalidBigNumber
            case invalidVerbatimString
        }

        private let base: Base

        /// The first byte of a value is none of RESP's type bytes.
        public static let invalidTypeByte = Code(base: .invalidTypeByte)
        /// A length is not decimal digits, overflows, or is negative other than RESP2's null `-1`.
        public static let invalidLength = Code(base: .invalidLength)
        /// A line ends in a bare CR or LF, or a bulk payload is not followed by CRLF.
        public static let missingCRLF = Code(base: .missingCRLF)
        /// A line (simple string, error, number) is longer than `RESPParser.Limits.maxLineLength`.
        public static let lineTooLong = Code(base: .lineTooLong)
        /// A bulk payload is longer than `RESPParser.Limits.maxBulkLength`.
        public static let bulkTooLong = Code(base: .bulkTooLong)
        /// An aggregate announces more elements than `RESPParser.Limits.maxAggregateLength`.
        public static let aggregateTooLong = Code(base: .aggregateTooLong)
        /// Aggregates nest deeper than `RESPParser.Limits.maxDepth`.
        public static let tooDeep = Code(base: .tooDeep)
        /// An integer is not an optional sign and decimal digits, or does not fit in 64 bits.
        public static let invalidInteger = Code(base: .invalidInteger)
        /// A double is not a decimal number, `inf`, `-inf` or `nan`.
        public static let invalidDouble = Code(base: .invalidDouble)
        /// A boolean is neither `t` nor `f`.
        public static let invalidBoolean = Code(base: .invalidBoolean)
        /// A null carries data.
        public static let invalidNull = Code(base: .invalidNull)
        /// A big number is not an optional sign and decimal digits.
        public static let invalidBigNumber = Code(base: .invalidBigNumber)
        /// A verbatim string is shorter than its `fmt:` prefix or the format is not three ASCII characters.
        public static let invalidVerbatimString = Code(base: .invalidVerbatimString)

        public var description: String { self.base.rawValue }
    }

    public let code: Code
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "RESP parsing error (\(self.code)): \(self.detail)" }
}
