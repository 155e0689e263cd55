/// ``MigrationReview``s as GitHub-flavoured Markdown for a pull-request comment: a summary
/// line per migration, then per flow a collapsible section (`<details>`, which GitHub keeps)
/// with the edge table and what happens to in-flight flows. A document longer than a comment
/// may be is shortened (``render(_:graphs:characterLimit:)``) and says what it leaves out.
public enum ReviewMarkdown {
    /// The most characters GitHub accepts in a pull-request comment.
    public static let commentLimit = 65_536

    /// How much of each flow's section a rendering shows. Each level is shorter than the one
    /// before; a document that does not fit a limit is rendered at the first level that fits.
    public enum Detail: Int, Sendable, CaseIterable, Comparable {
        /// Every edge of the flow, and what happens to in-flight flows.
        case full
        /// Only the edges that changed (renumbered, changed, removed, added).
        case changedEdges
        /// No edge table: what happens to in-flight flows.
        case consequences
        /// No section per flow: the summary lines, warnings and limitations.
        case summary

        public static func < (lhs: Detail, rhs: Detail) -> Bool { lhs.rawValue < rhs.rawValue }

        /// What the level leaves out, for the note of a shortened document.
        var omission: String {
            switch self {
            case .full: return "nothing"
            case .changedEdges: return "edges that did not change are left out of the tables"
            case .consequences: return "the edge tables are left out"
            case .summary: return "the sections per flow are left out"
            }
        }
    }

    /// A rendered document and, when it had to be shortened to fit, what it leaves out.
    public struct Document: Sendable, Equatable {
        public var text: String
        /// Nil when the document is complete; otherwise words for what is missing
        /// ("the edge tables are left out").
        public var omission: String?
    }

    /// One migration's review, complete.
    ///
    /// - Parameter graphs: per flow name, a link to its rendered graph (an `.svg` next to the
    ///   Markdown), shown in the flow's section.
    public static func render(_ review: MigrationReview, graphs: [String: String] = [:]) -> String {
        lines(review, graphs: graphs, detail: .full).joined(separator: "\n")
    }

    /// The reviews of several migrations in one document, separated by rules, shortened when
    /// longer than `characterLimit` (counted as GitHub counts: UTF-16 code units): rendered at
    /// the first ``Detail`` level that fits, and, when even the summaries do not, cut at a line
    /// (or list item) boundary. A shortened document ends with a note saying what it leaves out.
    ///
    /// - Parameters:
    ///   - graphs: per migration version, per flow name, a link to the flow's rendered graph.
    ///   - characterLimit: nil for no limit.
    public static func render(_ reviews: [MigrationReview], graphs: [Int: [String: String]] = [:],
                              characterLimit: Int? = commentLimit) -> Document {
        func document(_ detail: Detail) -> [String] {
            var lines: [String] = []
            for (position, review) in reviews.enumerated() {
                if position > 0 { lines += ["", "---", ""] }
                lines += Self.lines(review, graphs: graphs[review.version] ?? [:], detail: detail)
            }
            return lines
        }
        guard let characterLimit else { return Document(text: document(.full).joined(separator: "\n"), omission: nil) }
        for detail in Detail.allCases {
            let text = document(detail).joined(separator: "\n")
            let shortened = detail == .full ? text : text + note(detail.omission, limit: characterLimit)
            if shortened.utf16.count <= characterLimit {
                return Document(text: shortened, omission: detail == .full ? nil : detail.omission)
            }
        }
        // Even the summaries are too long: keep the lines that fit.
        let lines = document(.summary)
        var kept: [String] = []
        var length = 0
        let omission = { (kept: Int) in Detail.summary.omission + ", and the document is cut after \(kept) of \(lines.count) lines" }
        let budget = max(0, characterLimit - note(omission(lines.count), limit: characterLimit).utf16.count)
        for line in lines {
            let cost = line.utf16.count + (kept.isEmpty ? 0 : 1)
            if length + cost <= budget {
                kept.append(line)
                length += cost
                continue
            }
            // A long list (the changed flows, the warnings) is cut after the last item that fits.
            let room = budget - length - (kept.isEmpty ? 0 : 1) - " …".utf16.count
            if let cut = cutAtListItem(line, fitting: room) { kept.append(cut + " …") }
            break
        }
        return Document(text: kept.joined(separator: "\n") + note(omission(kept.count), limit: characterLimit),
                        omission: omission(kept.count))
    }

    /// The note that ends a shortened document.
    private static func note(_ omission: String, limit: Int) -> String {
        "\n\n> [!NOTE]\n> Shortened to fit \(limit) characters: \(omission). "
            + "For the whole review, run the same `selinon-migrate review` command with `--comment-limit 0`."
    }

    /// The longest prefix of `line` that ends before a ", " list separator and has at most
    /// `room` UTF-16 code units, if any.
    private static func cutAtListItem(_ line: String, fitting room: Int) -> String? {
        guard room > 0 else { return nil }
        var best: String.Index?
        var length = 0
        var index = line.startIndex
        while index < line.endIndex {
            if line[index...].hasPrefix(", ") {
                if length > room { break }
                best = index
            }
            length += line[index].utf16.count
            index = line.index(after: index)
        }
        return best.map { String(line[..<$0]) }
    }

    private static func lines(_ review: MigrationReview, graphs: [String: String], detail: Detail) -> [String] {
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
            lines.append("> \(tainting.count) situation\(tainting.count == 1 ? "" : "s") taint in-flight flows (\(strategies))"
                         + (detail < .summary ? "; see each flow below." : "."))
        }
        if detail < .summary {
            for flow in review.flows { lines += section(flow, graph: graphs[flow.flow], detail: detail) }
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
        return lines
    }

    /// A flow's collapsible section.
    private static func section(_ flow: FlowReview, graph: String?, detail: Detail) -> [String] {
        var lines = ["", "<details><summary><b>\(html(flow.flow))</b>: \(html(flow.summary))</summary>", ""]
        if let graph {
            lines.append("![\(flow.flow)](\(graph))")
            lines.append("")
        }
        let rows = detail == .full ? flow.rows : detail == .changedEdges ? flow.rows.filter { $0.change != .kept } : []
        if !rows.isEmpty {
            lines.append("| old | new | change | edge | condition |")
            lines.append("|---:|---:|---|---|---|")
            for row in rows {
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
        return lines
    }

    /// Text inside a code span: backticks cannot be escaped there, so they become quotes.
    static func code(_ text: String) -> String { text.replacingOccurrences(of: "`", with: "'") }

    /// Text inside a table cell's code span: also no pipes.
    static func cell(_ text: String) -> String { code(text).replacingOccurrences(of: "|", with: "\\|") }

    static func html(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
