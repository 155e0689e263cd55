import FlowConfig
import Foundation
import FlowMigration

extension ConfigValue {
    /// The value as JSON, the way Selinon's `json.dump` writes it into migration files:
    /// timestamps as Python's `str()` writes them (`2001-12-14 21:59:43.100000`), non-finite
    /// numbers as Python's `NaN`, `Infinity`, `-Infinity`.
    public var jsonValue: JSONValue {
        switch self {
        case .null: return .null
        case .bool(let value): return .bool(value)
        case .integer(let value): return .number(JSONNumber(text: value.description))
        case .float(let value):
            guard value.isFinite else { return .number(JSONNumber(text: value.isNaN ? "NaN" : (value < 0 ? "-Infinity" : "Infinity"))) }
            return .number(JSONNumber(text: value.description))
        case .string(let value): return .string(value)
        case .timestamp(let value): return .string(value.description.replacingOccurrences(of: "T", with: " "))
        case .list(let items): return .array(items.map(\.jsonValue))
        case .mapping(let entries):
            return .object(Dictionary(entries.map { ($0.key, $0.value.jsonValue) }, uniquingKeysWith: { _, last in last }))
        }
    }
}
