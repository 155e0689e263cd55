/// A ``MigrationReview`` as GitHub-flavoured Markdown for a pull-request comment: a summary
/// line per migration, then per flow a collapsible section (`<details>`, which GitHub keeps)
/// with the edge table and what happens to in-flight flows.
public enum ReviewMarkdown {
    /// - Parameter graphs: per flow name, a link to its rendered graph (an `.svg` next to the
    ///   Markdown), shown in the flow's section.
    public static func render(_ review: MigrationReview, graphs: [String: String] = [:]) -> String {
        var lines = ["### Migration \(review.version) · strategy `\(review.strategy.rawValue)`"]
        if review.oldSource != nil || review.newSource != nil {
            lines.append("")
            lines.append("From `\(code(review.oldSource ?? "?"))` to `\(code(review.newSource ?? "?"))`.")
        }
        lines.append("")
        if review.flows.isEmpty {
            lines.append("No flow changes.")
        } else {
            lines.append("**\(review.flows.count) flow\(review.flows.count == 1 ? "" : "s") change:** "
                         + review.flows.map { "`\(code($0.flow))` (\($0.summary))" }.joined(separator: ", "))
        }
        let tainting = review.flows.flatMap(\.consequences).filter { $0.strategy != nil }
        if !tainting.isEmpty {
            let strategies = Set(tainting.compactMap(\.strategy)).map(\.rawValue).sorted().joined(separator: ", ")
            lines.append("")
            lines.append("> [!WARNING]")
            lines.append("> \(tainting.count) situation\(tainting.count == 1 ? "" : "s") taint in-flight flows (\(strategies)); see each flow below.")
        }
        for flow in review.flows {
            lines.append("")
            lines.append("<details><summary><b>\(html(flow.flow))</b>: \(html(flow.summary))</summary>")
            lines.append("")
            if let graph = graphs[flow.flow] {
                lines.append("![\(flow.flow)](\(graph))")
                lines.append("")
            }
            if !flow.rows.isEmpty {
                lines.append("| old | new | change | edge | condition |")
                lines.append("|---:|---:|---|---|---|")
                for row in flow.rows {
                    let change = row.change == .kept ? "kept" : "**\(row.change.rawValue)**"
                    let condition = ReviewText.conditionCell(row)
                    lines.append("| \(row.oldIndex.map(String.init) ?? "") | \(row.newIndex.map(String.init) ?? "") | \(change) | "
                                 + "`\(cell(row.edge?.display ?? "?"))` | \(condition.isEmpty ? "" : "`\(cell(condition))`") |")
                }
                lines.append("")
            }
            if !flow.consequences.isEmpty || flow.reachableStates != nil {
                lines.append("**In-flight flows**")
                lines.append("")
                lines += flow.consequences.map { "- \($0.text)" }
                if let reachable = flow.reachableStates { lines.append("- Every reachable state: \(reachable)") }
                lines.append("")
            }
            lines.append("</details>")
        }
        if !review.warnings.isEmpty {
            lines.append("")
            lines.append("**Warnings**")
            lines.append("")
            lines += review.warnings.map { "- \($0)" }
        }
        if !review.limitations.isEmpty {
            lines.append("")
            lines.append("**Not shown**")
            lines.append("")
            lines += review.limitations.map { "- \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    /// Text inside a code span: backticks cannot be escaped there, so they become quotes.
    static func code(_ text: String) -> String { text.replacingOccurrences(of: "`", with: "'") }

    /// Text inside a table cell's code span: also no pipes.
    static func cell(_ text: String) -> String { code(text).replacingOccurrences(of: "|", with: "\\|") }

    static func html(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
