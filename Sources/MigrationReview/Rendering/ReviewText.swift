/// A ``MigrationReview`` for a terminal.
public enum ReviewText {
    public static func render(_ review: MigrationReview) -> String {
        var lines = ["migration \(review.version) (\(review.strategy.rawValue))" + sources(review)]
        if review.flows.isEmpty {
            lines.append("no flow changes")
        } else {
            lines.append("\(review.flows.count) flow\(review.flows.count == 1 ? "" : "s") change: "
                         + review.flows.map { "\($0.flow) (\($0.summary))" }.joined(separator: ", "))
        }
        for flow in review.flows {
            lines.append("")
            lines.append("\(flow.flow): \(flow.summary)")
            if !flow.rows.isEmpty {
                var table = TextTable(header: ["  old", "new", "change", "edge", "condition"], leftAligned: [2, 3, 4])
                table.rows = flow.rows.map { row in
                    ["  " + (row.oldIndex.map(String.init) ?? ""), row.newIndex.map(String.init) ?? "", row.change.rawValue,
                     row.edge?.display ?? "?", conditionCell(row)]
                }
                lines.append(table.text)
            }
            if !flow.consequences.isEmpty || flow.reachableStates != nil {
                lines.append("  in-flight flows:")
                lines += flow.consequences.map { "  - " + $0.text.replacingOccurrences(of: "`", with: "") }
                if let reachable = flow.reachableStates { lines.append("  - every reachable state: " + reachable) }
            }
        }
        if !review.warnings.isEmpty {
            lines.append("")
            lines.append("warnings:")
            lines += review.warnings.map { "  - \($0)" }
        }
        if !review.limitations.isEmpty {
            lines.append("")
            lines.append("not shown:")
            lines += review.limitations.map { "  - \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    static func sources(_ review: MigrationReview) -> String {
        guard review.oldSource != nil || review.newSource != nil else { return "" }
        return ": \(review.oldSource ?? "?") → \(review.newSource ?? "?")"
    }

    /// The condition, or for a changed edge the old and the new one; a `foreach` that came or
    /// went is said after it.
    static func conditionCell(_ row: EdgeRow) -> String {
        let new = row.new?.conditionText, old = row.old?.conditionText
        var cell = (new ?? old) ?? "?"
        guard row.change == .changed else { return cell }
        if old != new {
            cell = "\(old.map { $0.isEmpty ? "always" : $0 } ?? "?") ⇒ \(new.map { $0.isEmpty ? "always" : $0 } ?? "?")"
        }
        if let before = row.old?.hasForeach, let after = row.new?.hasForeach, before != after {
            cell += (cell.isEmpty ? "" : "; ") + (after ? "foreach added" : "foreach removed")
        }
        return cell
    }
}
