import FlowConfig
import FlowMigration

extension ConfigValue {
    /// The value as JSON, the way Selinon's `json.dump` writes it into migration files. JSON has
    /// no dates or non-finite numbers: timestamps become their ISO text and `inf`/`nan` the
    /// strings `"inf"`, `"-inf"`, `"nan"` (Selinon cannot write them at all).
    var jsonValue: JSONValue {
        switch self {
        case .null: return .null
        case .bool(let value): return .bool(value)
        case .integer(let value): return .number(JSONNumber(text: value.description))
        case .float(let value):
            guard value.isFinite else { return .string(value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf")) }
            return .number(JSONNumber(text: value.description))
        case .string(let value): return .string(value)
        case .timestamp(let value): return .string(value.description)
        case .list(let items): return .array(items.map(\.jsonValue))
        case .mapping(let entries):
            return .object(Dictionary(entries.map { ($0.key, $0.value.jsonValue) }, uniquingKeysWith: { _, last in last }))
        }
    }
}
