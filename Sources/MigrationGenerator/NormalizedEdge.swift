import FlowConfig
import FlowMigration

/// An edge as migrations see it: sets of source and destination names and the condition.
/// `foreach` and `selective` do not take part in matching (they only produce warnings).
struct NormalizedEdge {
    var from: [String]
    var to: [String]
    /// The condition as configured (what migration files record).
    var condition: JSONValue
    /// The condition with numbers compared as Python compares them (`1`, `1.0` and `true` are
    /// equal), for matching.
    var conditionKey: JSONValue

    init(_ edge: Edge) {
        from = Array(Set(edge.from)).sorted()
        to = Array(Set(edge.to)).sorted()
        condition = edge.conditionValue.jsonValue
        conditionKey = Self.pythonEquality(condition)
    }

    /// The key of the first matching pass: sources, destinations and condition.
    var full: Full { Full(from: from, to: to, condition: conditionKey) }

    struct Full: Hashable {
        var from: [String]
        var to: [String]
        var condition: JSONValue
    }

    /// Numbers (and booleans, which Python treats as 0 and 1) rewritten to one spelling per value.
    static func pythonEquality(_ value: JSONValue) -> JSONValue {
        switch value {
        case .bool(let flag): return .number(JSONNumber(flag ? 1 : 0))
        case .number(let number):
            if number.intValue != nil { return value }
            if let double = number.doubleValue, let integer = Int(exactly: double) { return .number(JSONNumber(integer)) }
            if let double = number.doubleValue { return .number(JSONNumber(text: double.description)) }
            return value
        case .array(let items): return .array(items.map(pythonEquality))
        case .object(let members): return .object(members.mapValues(pythonEquality))
        case .null, .string: return value
        }
    }

    /// The key of the second matching pass: sources and destinations only.
    var shape: Shape { Shape(from: from, to: to) }

    struct Shape: Hashable {
        var from: [String]
        var to: [String]
    }

    /// `from → to` as a person reads it: `Fetch → [Parse, Store]`, `∅ → Fetch`.
    var display: String {
        func names(_ list: [String]) -> String {
            list.isEmpty ? "∅" : list.count == 1 ? list[0] : "[" + list.joined(separator: ", ") + "]"
        }
        return "\(names(from)) → \(names(to))"
    }
}
