import FlowConfig
import FlowMigration

/// An edge as migrations see it: sets of source and destination names and the raw condition.
/// `foreach` and `selective` do not take part in matching (they only produce warnings).
struct NormalizedEdge: Hashable {
    var from: [String]
    var to: [String]
    var condition: JSONValue

    init(_ edge: Edge) {
        from = Array(Set(edge.from)).sorted()
        to = Array(Set(edge.to)).sorted()
        condition = edge.conditionValue.jsonValue
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
