import FlowEngine
import FlowMigration

extension MigrationAnalysis.FlowResult {
    /// `17 reachable states — 12 unchanged, 3 renumbered, 2 RETRY (e.g. Fetch finished; Parse
    /// running)`: counts per outcome, an example for every outcome that taints.
    var sentence: String {
        let parts = MigrationAnalysis.Outcome.allCases.compactMap { outcome -> String? in
            guard let count = counts[outcome] else { return nil }
            var text = "\(count) \(outcome.label)"
            if outcome >= .ignored, let example = examples[outcome] { text += " (e.g. \(example.summary))" }
            return text
        }
        let total = "\(reachable)\(isBounded ? "+" : "") reachable state\(reachable == 1 ? "" : "s")"
        return parts.isEmpty ? "\(total) (the flow cannot be in flight)" : "\(total) — " + parts.joined(separator: ", ")
            + (bound.map { "; the search stopped before the end (\($0.reason)), more states may exist" } ?? "")
    }
}

extension MigrationAnalysis.FlowResult {
    /// The facts for tools: `reachable`, `bounded`, `stopped_at`, `counts` and `examples` by outcome.
    var facts: [String: JSONValue] {
        [
            "reachable": .number(JSONNumber(reachable)), "bounded": .bool(isBounded),
            "stopped_at": bound.map { .string($0.rawValue) } ?? .null,
            "counts": .object(Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, .number(JSONNumber($0.value))) })),
            "examples": .object(Dictionary(uniqueKeysWithValues: examples.map { ($0.key.rawValue, .string($0.value.summary)) })),
        ]
    }
}

extension ReachableStates.Bound {
    /// Whether raising `--max-states` lets a search stopped here go further.
    var isRaisedByMaxStates: Bool { self != .nodes }

    /// Why the search stopped, and whether raising `--max-states` would take it further (it
    /// raises the runs allowed too, not the node instances kept).
    var reason: String {
        switch self {
        case .states: return "at --max-states; raise it to count more"
        case .nodes: return "once the states held \(ReachableStates.Options().maxNodes) node instances in all, as many as a search keeps; "
            + "raising --max-states does not help"
        case .runs: return "after \(ReachableStates.Options().runsPerState) dispatcher runs per state --max-states allows, most of them "
            + "ending in states found before (a run with very many outcomes); raising --max-states allows more runs"
        }
    }
}

extension MigrationAnalysis.Outcome {
    /// How reports name the outcome.
    var label: String {
        switch self {
        case .unchanged: return "unchanged"
        case .renumbered: return "renumbered"
        case .dropped: return "waiting edge dropped"
        case .armed: return "new edge armed"
        case .ignored: return "tainted, continue (IGNORE)"
        case .retry: return "RETRY"
        case .fail: return "FAIL"
        case .invalid: return "invalid"
        }
    }
}
