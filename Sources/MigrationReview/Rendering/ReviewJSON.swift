import FlowMigration

extension ReviewedMigration {
    /// The review as JSON for tools: `version`, `strategy`, `old`, `new`, `flows` (each with
    /// `flow`, `removed`, `summary`, `edges` — see ``EdgeRow/jsonValue`` — and `in_flight` —
    /// `kind`, `edge`, `strategy`, `text`), `warnings`, `other_changes` and `not_shown`. An
    /// `in_flight` entry's `edge` is the old index for what a removed (or translated) edge does
    /// and the new index for what an added edge does, as its `kind` says (`edge_index` names which:
    /// `old` or `new`).
    public var jsonValue: JSONValue {
        .object([
            "version": .number(JSONNumber(version)),
            "strategy": .string(strategy.rawValue),
            "old": oldSource.map(JSONValue.string) ?? .null,
            "new": newSource.map(JSONValue.string) ?? .null,
            "flows": .array(flows.map { flow in
                .object([
                    "flow": .string(flow.flow),
                    "removed": .bool(flow.isRemoved),
                    "summary": .string(flow.summary),
                    "reachable_states": flow.reachableStates.map(JSONValue.string) ?? .null,
                    "reachable_state_counts": flow.reachableStateFacts ?? .null,
                    "edges": .array(flow.rows.map(\.jsonValue)),
                    "in_flight": .array(flow.consequences.map { consequence in
                        .object(["kind": .string(consequence.kind.rawValue),
                                 "edge": consequence.edge.map { .number(JSONNumber($0)) } ?? .null,
                                 "edge_index": consequence.edge == nil ? .null : .string(consequence.kind.numbersOldEdges ? "old" : "new"),
                                 "strategy": consequence.strategy.map { .string($0.rawValue) } ?? .null,
                                 "text": .string(MarkdownText.plain(consequence.text))])
                    }),
                ])
            }),
            "warnings": .array(warnings.map(JSONValue.string)),
            "other_changes": .array(otherChanges.map(JSONValue.string)),
            "not_shown": .array(limitations.map(JSONValue.string)),
        ])
    }
}

extension EdgeRow {
    /// `change`, `old_index`, `new_index`, `renumbered` (whether the index changed, also for a
    /// `changed` edge), and `old` / `new` with `from`, `to`, `condition` (as
    /// configured), `condition_text` (in words), `foreach` (whether the edge has one),
    /// `foreach_function` and `selective` (in words); unknown parts, and those an edge lacks, are null.
    public var jsonValue: JSONValue {
        func number(_ value: Int?) -> JSONValue { value.map { .number(JSONNumber($0)) } ?? .null }
        func edge(_ edge: ReviewedEdge?) -> JSONValue {
            guard let edge else { return .null }
            return .object([
                "from": .array(edge.from.map(JSONValue.string)),
                "to": edge.to.map { .array($0.map(JSONValue.string)) } ?? .null,
                "condition": edge.condition?.standardJSON ?? .null,
                "condition_text": edge.conditionText.map(JSONValue.string) ?? .null,
                "foreach": edge.hasForeach.map(JSONValue.bool) ?? .null,
                "foreach_function": edge.foreachFunction.map(JSONValue.string) ?? .null,
                "selective": edge.selective.map(JSONValue.string) ?? .null,
            ])
        }
        return .object(["change": .string(change.rawValue), "old_index": number(oldIndex), "new_index": number(newIndex),
                        "renumbered": .bool(isRenumbered), "old": edge(old), "new": edge(new)])
    }
}

private extension JSONValue {
    /// The value as standard JSON: Python's `NaN`, `Infinity` and `-Infinity`, which JSON has no
    /// numbers for, become strings, so that every JSON reader accepts the report.
    var standardJSON: JSONValue {
        switch self {
        case .number(let number) where ["NaN", "Infinity", "-Infinity"].contains(number.text): return .string(number.text)
        case .array(let items): return .array(items.map(\.standardJSON))
        case .object(let members): return .object(members.mapValues(\.standardJSON))
        default: return self
        }
    }
}
