import Foundation
import YAMLTree

/// A configuration value Selinon passes through without interpreting it — predicate arguments,
/// storage `configuration`, raw conditions — as PyYAML's safe loader constructed it.
///
/// Mapping keys are strings; non-string keys (`1:`, `yes:`) are turned into the text Python's
/// `json.dumps` would write for them (`"1"`, `"true"`), so values always fit JSON.
public enum ConfigValue: Sendable, Hashable {
    /// Python `None`: `null`, `~` or an empty value.
    case null
    /// A boolean, as YAML 1.1 resolves it (`yes` and `off` included, as PyYAML reads them).
    case bool(Bool)
    /// An integer, exact beyond 64 bits as in Python.
    case integer(YAMLInteger)
    /// A float (Python `float`).
    case float(Double)
    /// A string.
    case string(String)
    /// A YAML timestamp (Python `date`/`datetime`). JSON has no such type; Selinon's
    /// `json.dump` cannot write one.
    case timestamp(YAMLTimestamp)
    /// A sequence, in document order.
    case list([ConfigValue])
    /// Pairs in document order (keys are unique).
    case mapping([MappingEntry])

    /// One key and value of a ``ConfigValue/mapping(_:)``.
    public struct MappingEntry: Sendable, Hashable {
        /// The key as text (a key that is not a string as `json.dumps` writes it).
        public var key: String
        /// The value under the key.
        public var value: ConfigValue

        /// The entry `key`: `value`.
        public init(_ key: String, _ value: ConfigValue) {
            self.key = key
            self.value = value
        }
    }

    /// Python truthiness: `None`, `False`, `0`, `0.0`, `""`, `[]` and `{}` are false.
    public var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let value): return value
        case .integer(let value): return value != .small(0)
        case .float(let value): return value != 0
        case .string(let value): return !value.isEmpty
        case .timestamp: return true
        case .list(let items): return !items.isEmpty
        case .mapping(let entries): return !entries.isEmpty
        }
    }

    /// The value under `key` when this is a mapping.
    public subscript(key: String) -> ConfigValue? {
        guard case .mapping(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// Converts a YAML node, spending `budget` on every node visited (aliases may repeat
    /// subtrees).
    static func make(from node: YAMLNode, budget: inout YAMLWalkBudget) throws(YAMLError) -> ConfigValue {
        try budget.spend(at: node.mark)
        switch node.content {
        case .scalar(let scalar):
            return ConfigValue(scalar.value)
        case .sequence(let items):
            var values: [ConfigValue] = []
            values.reserveCapacity(items.count)
            for item in items { values.append(try make(from: item, budget: &budget)) }
            return .list(values)
        case .mapping(let pairs):
            var entries: [MappingEntry] = []
            entries.reserveCapacity(pairs.count)
            for pair in pairs {
                let key = ConfigValue(pair.key.scalar?.value ?? .null).jsonKey
                entries.append(MappingEntry(key, try make(from: pair.value, budget: &budget)))
            }
            return .mapping(entries)
        }
    }

    init(_ scalar: YAMLScalarValue) {
        switch scalar {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .int(let value): self = .integer(value)
        case .float(let value): self = .float(value)
        case .string(let value): self = .string(value)
        case .timestamp(let value): self = .timestamp(value)
        }
    }

    /// The text of a scalar used as a JSON object key, as Python's `json.dumps` writes it.
    var jsonKey: String {
        switch self {
        case .string(let text): return text
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .integer(let value): return value.description
        case .float(let value): return PythonFloat.repr(value)
        case .timestamp(let value): return value.description
        case .list, .mapping: return ""
        }
    }

    /// The value in YAML flow style as a person reads it, for messages: `true`, `'text'`,
    /// `[a, b]`, `{key: value}`.
    public var displayText: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .integer(let value): return value.description
        case .float(let value): return PythonFloat.repr(value)
        case .string(let text): return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
        case .timestamp(let value): return value.description
        case .list(let items): return "[" + items.map(\.displayText).joined(separator: ", ") + "]"
        case .mapping(let entries):
            return "{" + entries.map { "\($0.key): \($0.value.displayText)" }.joined(separator: ", ") + "}"
        }
    }
}

/// Python's `repr(float)`: the shortest text that reads back to the same value. Swift's
/// `description` uses the same algorithm and spelling (`1e+16`, `1e-05`, `1.0`); only infinity
/// and NaN are spelled differently.
enum PythonFloat {
    static func repr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return value.description
    }
}

extension ConfigValue {
    /// Python's `==` on two values PyYAML loaded: booleans equal the integers 0 and 1, integral
    /// floats equal integers, mappings are equal whatever the order of their keys, and NaN equals
    /// NaN (PyYAML gives every `.nan` the same float object, and Python compares the items of
    /// containers by identity first).
    public func equalsInPython(_ other: ConfigValue) -> Bool {
        if let left = integralValue {
            return other.integralValue == left
        }
        // Python compares strings by code points; Swift's `==` is canonical equivalence ("café"
        // precomposed equals decomposed), so strings and keys compare by their scalars.
        let same = PythonNames.same
        switch (self, other) {
        case (.float(let left), .float(let right)) where left.isNaN && right.isNaN:
            return true
        case (.string(let left), .string(let right)):
            return same(left, right)
        case (.timestamp(let left), .timestamp(let right)):
            return left.pythonIdentity == right.pythonIdentity
        case (.list(let left), .list(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { $0.equalsInPython($1) }
        case (.mapping(let left), .mapping(let right)):
            // Keys are unique within a mapping, so equal counts and every left key found with an
            // equal value make the mappings equal.
            guard left.count == right.count else { return false }
            guard left.count > 8 else {
                return left.allSatisfy { entry in
                    right.contains { same($0.key, entry.key) && entry.value.equalsInPython($0.value) }
                }
            }
            // Large mappings by lookup, so that comparing two equal ones stays linear.
            let rightValues = Dictionary(right.map { (Array($0.key.unicodeScalars), $0.value) }, uniquingKeysWith: { _, last in last })
            return left.allSatisfy { entry in rightValues[Array(entry.key.unicodeScalars)].map { entry.value.equalsInPython($0) } ?? false }
        default:
            return other.integralValue == nil && self == other
        }
    }

    /// The integer a boolean, an integer or an integral float equals in Python; `nil` for
    /// other values.
    public var integralValue: ConfigValue? {
        switch self {
        case .bool(let flag): return .integer(.small(flag ? 1 : 0))
        case .integer: return self
        case .float(let double): return YAMLInteger(exactly: double).map { .integer($0) }
        default: return nil
        }
    }
}
