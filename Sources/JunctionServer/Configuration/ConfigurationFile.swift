import Foundation

/// Reading the configuration from a file, for `junction serve`, `junction check` and reloads:
/// one place, so a reload refuses a bad file with exactly the message `junction check` prints.
public enum ConfigurationFile {
    /// Reads and validates `path`.
    public static func load(path: String) throws(ConfigurationFileError) -> JunctionConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationFileError(message: "cannot read \(path): \(error.localizedDescription)")
        }
        do {
            return try ConfigurationLoader.load(yaml: text)
        } catch {
            throw ConfigurationFileError(message: "\(path): \(error)")
        }
    }
}

/// Why a configuration file was refused: the file and, for a bad value, the key and its line.
public struct ConfigurationFileError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public var description: String { self.message }
}
