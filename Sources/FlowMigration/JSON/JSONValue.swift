/// A JSON value, kept losslessly: numbers keep their text (`1.0` stays `1.0`, a 30-digit
/// integer stays exact), so a document read and written back means exactly the same.
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, kept as its JSON text.
    case number(JSONNumber)
    /// A string, escapes decoded.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// Keys are unique; a key given twice in the input keeps its last value, as in Python.
    case object([String: JSONValue])

    /// The value under `key` when this is an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The integer when this is a number written as an integer that fits in `Int`.
    public var intValue: Int? {
        if case .number(let number) = self { return number.intValue }
        return nil
    }

    /// The string when this is a string.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// A name for the kind of value, for messages: "an object", "a string", ….
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// A JSON number as written.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number's JSON text, e.g. `42`, `-1.5e3`.
    public let text: String

    /// Wraps JSON number text; the caller guarantees it is valid JSON number syntax.
    public init(text: String) {
        self.text = text
    }

    /// The number `value`, written as a decimal integer.
    public init(_ value: Int) {
        self.text = String(value)
    }

    /// The value when the text is an integer (no fraction or exponent) that fits in `Int`.
    public var intValue: Int? { Int(text) }

    /// The value as a floating-point number.
    public var doubleValue: Double? { Double(text) }

    public var description: String { text }
}

/// Printed (and logged) as compact JSON, keys sorted.
extension JSONValue: CustomStringConvertible {
    public var description: String { String(decoding: JSONWriter.compact(self), as: UTF8.self) }
}
