import FlowMigration

extension ConfigurationDiff {
    /// The diff for a terminal (names and values from the configurations, which may hold line
    /// breaks and escape sequences, kept to their lines as ``ReviewText`` keeps them).
    public var text: String {
        guard !isEmpty else { return "no structural change" }
        let line = ReviewText.line
        var lines: [String] = []
        func list(_ label: String, _ names: [String]) {
            if !names.isEmpty { lines.append(line("\(label): \(names.joined(separator: ", "))")) }
        }
        list("flows added", flowsAdded)
        list("flows removed (in-flight flows fail on new workers)", flowsRemoved)
        list("tasks added", tasksAdded)
        list("tasks removed", tasksRemoved)
        if !tasksChanged.isEmpty {
            lines.append("tasks changed:")
            lines += tasksChanged.map { "  " + line($0) }
        }
        for flow in flows {
            lines.append("")
            lines.append(line("\(flow.flow): \(flow.needsMigration ? "needs a migration" : "no migration needed")"))
            if !flow.edges.isEmpty {
                var table = TextTable(header: ["  old", "new", "change", "edge", "condition"], leftAligned: [2, 3, 4])
                table.rows = flow.edges.map { row in
                    ["  " + (row.oldIndex.map(String.init) ?? ""), row.newIndex.map(String.init) ?? "", row.change.rawValue,
                     line(row.edgeText), line(ReviewText.conditionCell(row))]
                }
                lines.append(table.text)
            }
            lines += flow.failures.map { "  " + line($0) }
            lines += flow.options.map { "  " + line($0) }
        }
        if !warnings.isEmpty {
            lines.append("")
            lines.append("warnings:")
            lines += warnings.map { "  - " + line($0) }
        }
        lines.append("")
        lines.append(needsMigration ? "the change needs a migration: selinon-migrate check says whether one covers it, generate writes it" : "no migration is needed")
        return lines.joined(separator: "\n")
    }

    /// The diff as GitHub-flavoured Markdown.
    public var markdown: String {
        guard !isEmpty else { return "No structural change." }
        var lines = [needsMigration ? "**A migration is needed.**" : "**No migration is needed.**", ""]
        func list(_ label: String, _ names: [String]) {
            if !names.isEmpty { lines.append("- \(label): " + names.map(MarkdownText.codeSpan).joined(separator: ", ")) }
        }
        list("Flows added", flowsAdded)
        list("Flows removed (in-flight flows fail on new workers)", flowsRemoved)
        list("Tasks added", tasksAdded)
        list("Tasks removed", tasksRemoved)
        lines += tasksChanged.map { "- Task changed: " + MarkdownText.codeSpan($0) }
        for flow in flows {
            lines.append("")
            lines.append("#### \(MarkdownText.codeSpan(flow.flow)) — \(flow.needsMigration ? "needs a migration" : "no migration needed")")
            lines.append("")
            if !flow.edges.isEmpty {
                lines.append("| old | new | change | edge | condition |")
                lines.append("|---:|---:|---|---|---|")
                for row in flow.edges {
                    let condition = ReviewText.conditionCell(row)
                    lines.append("| \(row.oldIndex.map(String.init) ?? "") | \(row.newIndex.map(String.init) ?? "") | **\(row.change.rawValue)** | "
                                 + "\(ReviewMarkdown.cell(row.edgeText)) | \(condition.isEmpty ? "" : ReviewMarkdown.cell(condition)) |")
                }
                lines.append("")
            }
            lines += (flow.failures + flow.options).map { "- " + MarkdownText.escaped($0) }
        }
        if !warnings.isEmpty {
            lines.append("")
            lines.append("**Warnings**")
            lines.append("")
            lines += warnings.map { "- " + MarkdownText.escaped($0) }
        }
        return lines.joined(separator: "\n")
    }

    /// The diff as JSON: `needs_migration`, `added_flows`, `removed_flows`, `added_tasks`,
    /// `removed_tasks`, `changed_tasks` (named as `generate` and `history` name them), `flows` (each `flow`, `needs_migration`, `edges` as in
    /// a review, `failures`, `options`) and `warnings`.
    public var jsonValue: JSONValue {
        func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }
        return .object([
            "needs_migration": .bool(needsMigration),
            "added_flows": strings(flowsAdded),
            "removed_flows": strings(flowsRemoved),
            "added_tasks": strings(tasksAdded),
            "removed_tasks": strings(tasksRemoved),
            "changed_tasks": strings(tasksChanged),
            "flows": .array(flows.map { flow in
                .object(["flow": .string(flow.flow), "needs_migration": .bool(flow.needsMigration), "edges": .array(flow.edges.map(\.jsonValue)),
                         "failures": strings(flow.failures), "options": strings(flow.options)])
            }),
            "warnings": strings(warnings),
        ])
    }
}
