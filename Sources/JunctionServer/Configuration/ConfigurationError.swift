/// A configuration file that cannot be used, naming the offending key and line.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var key: String
    public var line: Int?
    public var problem: String

    public var description: String {
        let location = self.line.map { " (line \($0))" } ?? ""
        return "\(self.key)\(location): \(self.problem)"
    }
}
