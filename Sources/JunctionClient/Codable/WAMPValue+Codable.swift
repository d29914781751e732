import Foundation
import WAMPCore

extension WAMPValue {
    /// The WAMP value of an `Encodable` type, to pass as an argument or keyword argument.
    ///
    /// Goes through JSON (Foundation's `JSONEncoder`, then WAMPCore's JSON parser), so the value
    /// has JSON's shape whatever serializer the connection uses: `Data` becomes a Base64 string,
    /// dates follow `JSONEncoder`'s default strategy.
    public init<T: Encodable>(encoding value: T) throws(WAMPClientError) {
        let data: Data
        do {
            data = try JSONEncoder().encode(value)
        } catch {
            throw WAMPClientError(.coding, "cannot encode \(T.self): \(error)")
        }
        guard let decoded = try? JSONSerializer().decode(Array(data)) else {
            throw WAMPClientError(.coding, "cannot encode \(T.self): not valid JSON")
        }
        self = decoded
    }

    /// Decodes this value as `T` (through JSON, see ``init(encoding:)``). Integers and floats
    /// convert as JSON numbers do.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws(WAMPClientError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(JSONSerializer().encode(self)))
        } catch {
            throw WAMPClientError(.coding, "cannot decode \(T.self) from \(WAMPJSON.string(self)): \(error)")
        }
    }
}

extension Dictionary where Key == String, Value == WAMPValue {
    /// Keyword arguments from an `Encodable` type whose encoding is a JSON object (a struct).
    public init<T: Encodable>(encoding value: T) throws(WAMPClientError) {
        guard case .dict(let dict) = try WAMPValue(encoding: value) else {
            throw WAMPClientError(.coding, "\(T.self) does not encode as a dictionary")
        }
        self = dict
    }
}

/// A received payload (`args` and `kwargs`) that can be decoded into application types.
public protocol WAMPPayloadDecodable {
    var args: WAMPList { get }
    var kwargs: WAMPDict { get }
}

extension WAMPPayloadDecodable {
    /// Decodes positional argument `index` as `T`.
    public func argument<T: Decodable>(_ index: Int = 0, as type: T.Type = T.self) throws(WAMPClientError) -> T {
        guard index < self.args.count else {
            throw WAMPClientError(.coding, "no argument at index \(index) (got \(self.args.count))")
        }
        return try self.args[index].decode(T.self)
    }

    /// Decodes the keyword arguments as `T` (a struct whose properties are the keys).
    public func kwargs<T: Decodable>(as type: T.Type = T.self) throws(WAMPClientError) -> T {
        try WAMPValue.dict(self.kwargs).decode(T.self)
    }
}

extension CallResult: WAMPPayloadDecodable {}
extension Invocation: WAMPPayloadDecodable {}
extension Event: WAMPPayloadDecodable {}
extension WAMPError: WAMPPayloadDecodable {}

extension InvocationResult {
    /// A result whose single positional value is `value` encoded.
    public init<T: Encodable>(encoding value: T) throws(WAMPClientError) {
        self.init(args: [try WAMPValue(encoding: value)])
    }
}

extension WAMPClient {
    /// Calls `procedure` with `argument` as the single positional argument and decodes the first
    /// positional result as `Output`.
    public func call<Input: Encodable, Output: Decodable>(
        _ procedure: String, with argument: Input, returning: Output.Type = Output.self,
        options: CallOptions = CallOptions()
    ) async throws -> Output {
        let result = try await self.call(procedure, args: [try WAMPValue(encoding: argument)], options: options)
        return try result.argument(0, as: Output.self)
    }

    /// Registers a procedure whose input is decoded from the first positional argument (or from
    /// the keyword arguments when there is none) and whose output is encoded as the result.
    @discardableResult
    public func register<Input: Decodable & Sendable, Output: Encodable & Sendable>(
        _ procedure: String, options: RegisterOptions = RegisterOptions(), decoding: Input.Type = Input.self,
        handler: @escaping @Sendable (Input) async throws -> Output
    ) async throws -> Registration {
        try await self.register(procedure, options: options) { invocation in
            let input: Input
            do throws(WAMPClientError) {
                input = invocation.args.isEmpty ? try invocation.kwargs(as: Input.self) : try invocation.argument(0)
            } catch {
                throw WAMPError(WAMPErrorURI.invalidArgument, args: [.string(error.message)])
            }
            return try InvocationResult(encoding: try await handler(input))
        }
    }
}
