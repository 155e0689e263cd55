/// A ``ReviewedMigration`` for a terminal.
public enum ReviewText {
    public static func render(_ review: ReviewedMigration) -> String {
        var lines = [line("migration \(review.version) (\(review.strategy.rawValue))" + sources(review))]
        if review.flows.isEmpty {
            lines.append("no flow changes")
        } else {
            lines.append(line("\(review.flows.count) flow\(review.flows.count == 1 ? " changes" : "s change"): "
                              + review.flowsBySeverity.map { "\($0.flow) (\($0.summary))" }.joined(separator: ", ")))
        }
        for flow in review.flows {
            lines.append("")
            lines.append(line("\(flow.flow): \(flow.summary)"))
            let (rows, keptUnseen) = tableRows(flow)
            if !rows.isEmpty {
                var table = TextTable(header: ["  old", "new", "change", "edge", "condition"], leftAligned: [2, 3, 4])
                table.rows = rows.map { row in
                    ["  " + (row.oldIndex.map(String.init) ?? ""), row.newIndex.map(String.init) ?? "", row.change.rawValue,
                     line(row.edgeText), line(conditionCell(row))]
                }
                lines.append(table.text)
            }
            if let keptUnseen { lines.append("  " + keptUnseen) }
            if !flow.consequences.isEmpty || flow.reachableStates != nil {
                lines.append("  in-flight flows:")
                lines += flow.consequences.map { "  - " + line(MarkdownText.plain($0.text)) }
                if let reachable = flow.reachableStates { lines.append("  - every reachable state: " + line(reachable)) }
            }
        }
        if !review.otherChanges.isEmpty {
            lines.append("")
            lines.append("other changes (no migration needed; the new workers run in-flight flows with them):")
            lines += review.otherChanges.map { "  - " + line($0) }
        }
        if !review.warnings.isEmpty {
            lines.append("")
            lines.append("warnings:")
            lines += review.warnings.map { "  - " + line($0) }
        }
        if !review.limitations.isEmpty {
            lines.append("")
            lines.append("not shown:")
            lines += review.limitations.map { "  - " + line($0) }
        }
        return lines.joined(separator: "\n")
    }

    /// `text` kept to one line: names, paths and messages from a migration file (a pull
    /// request's own) may hold anything — line breaks that would start lines of their own, escape
    /// sequences that rewrite or hide lines of a terminal or a CI log — all shown as escapes.
    static func line(_ text: String) -> String { MarkdownText.visibleControls(text) }

    static func sources(_ review: ReviewedMigration) -> String {
        guard review.oldSource != nil || review.newSource != nil else { return "" }
        return ": \(source(review.oldSource)) → \(source(review.newSource))"
    }

    /// How many Unicode scalars of a configuration's description (`_meta.old`, `_meta.new`) a
    /// review shows: a revision or a few paths; more is an edit, and the JSON keeps it whole.
    static let shownSourceScalars = 500

    /// A configuration's description as a review shows it: `?` when not recorded, cut with `…`.
    static func source(_ description: String?) -> String {
        description.map { MarkdownText.cut($0, afterScalars: shownSourceScalars) } ?? "?"
    }

    /// The rows worth a line of the table, and a sentence for the rest: edges that kept their
    /// index in a configuration that is not available would be rows of question marks, so they
    /// are named together ("edges 0–4, 6 and 7 keep their index; not shown …").
    static func tableRows(_ flow: FlowReview) -> (rows: [EdgeRow], keptUnseen: String?) {
        let unseen = flow.rows.filter { $0.change == .kept && $0.edge == nil }
        guard !unseen.isEmpty else { return (flow.rows, nil) }
        let rows = flow.rows.filter { !($0.change == .kept && $0.edge == nil) }
        let indices = unseen.compactMap(\.oldIndex)
        let noun = indices.count == 1 ? "edge" : "edges"
        return (rows, "\(noun) \(indexRanges(indices)) keep\(indices.count == 1 ? "s" : "") \(indices.count == 1 ? "its" : "their") index (not shown: no configuration)")
    }

    /// Sorted indices as runs: `[0, 1, 2, 4, 6, 7]` → "0–2, 4, 6 and 7".
    static func indexRanges(_ indices: [Int]) -> String {
        var runs: [(first: Int, last: Int)] = []
        for index in indices.sorted() {
            if let last = runs.last?.last, index == last + 1 { runs[runs.count - 1].last = index } else { runs.append((index, index)) }
        }
        let words = runs.flatMap { $0.last > $0.first + 1 ? ["\($0.first)–\($0.last)"] : Array(Set([$0.first, $0.last])).sorted().map(String.init) }
        guard words.count > 1 else { return words.joined() }
        return words.dropLast().joined(separator: ", ") + " and " + words.last!
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
        var notes: [String] = []
        if let before = row.old?.hasForeach, let after = row.new?.hasForeach {
            if before != after {
                notes.append(after ? "foreach added" : "foreach removed")
            } else if let was = row.old?.foreachFunction, let now = row.new?.foreachFunction, was != now {
                notes.append("foreach \(was) ⇒ \(now)")
            }
            // Both edges from configurations: a missing selective is known to be missing.
            switch (row.old?.selective, row.new?.selective) {
            case (nil, let now?): notes.append("selective added: \(now)")
            case (let was?, nil): notes.append("selective removed (was \(was))")
            case (let was?, let now?) where was != now: notes.append("selective \(was) ⇒ \(now)")
            default: break
            }
        }
        return ([cell].filter { !$0.isEmpty } + notes).joined(separator: "; ")
    }
}
