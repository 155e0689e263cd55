import FlowMigration

/// ``ReviewedMigration``s as GitHub-flavoured Markdown for a pull-request comment: a summary
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
    public static func render(_ review: ReviewedMigration, graphs: [String: String] = [:]) -> String {
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
    public static func render(_ reviews: [ReviewedMigration], graphs: [Int: [String: String]] = [:],
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
        return cutSummaries(reviews, characterLimit: characterLimit)
    }

    /// The summaries of `reviews` cut to fit `characterLimit`: every migration keeps its heading
    /// and its taint warning, then its list of changed flows and the rest of its summary, as far
    /// as an equal share of what is left allows (a list is cut after its last item that fits);
    /// migrations whose heading does not fit at all are named in the note.
    private static func cutSummaries(_ reviews: [ReviewedMigration], characterLimit: Int) -> Document {
        let summaries = reviews.map { lines($0, graphs: [:], detail: .summary) }
        // The migrations left out are the last ones: named one by one when few, else as a span (a bounded note).
        func omission(_ dropped: [Int]) -> String {
            let named = dropped.count <= 5 ? "migration\(dropped.count == 1 ? "" : "s") " + dropped.map(String.init).joined(separator: ", ")
                : "\(dropped.count) migrations, \(dropped[0]) to \(dropped.last!)"
            return Detail.summary.omission + ", and each migration's summary is cut to fit"
                + (dropped.isEmpty ? "" : "; left out entirely: " + named)
        }
        // Each chosen line costs its length and a newline, and may bring back the blank line before it.
        func cost(_ line: String) -> Int { line.utf16.count + 2 }
        let separatorCost = 5
        var budget = characterLimit - note(omission(reviews.map(\.version)), limit: characterLimit).utf16.count
        var chosen: [[Int: String]] = Array(repeating: [:], count: reviews.count)
        var included = 0
        for (position, summary) in summaries.enumerated() {
            let essential = summary.indices.filter { $0 == 0 || summary[$0].hasPrefix("> ") }
            let needed = essential.reduce(position > 0 ? separatorCost : 0) { $0 + cost(summary[$1]) }
            guard needed <= budget else { break }
            budget -= needed
            for index in essential { chosen[position][index] = summary[index] }
            included += 1
        }
        for position in 0..<included {
            var share = budget / (included - position)
            let spent = share
            // The changed flows first, then the rest in order.
            let summary = summaries[position]
            func rank(_ index: Int) -> Int { summary[index].hasPrefix("**") && (summary[index].contains(" change:**") || summary[index].contains(" changes:**")) ? 0 : 1 }
            let order = summary.indices.sorted { (rank($0), $0) < (rank($1), $1) }
            for index in order where chosen[position][index] == nil && !summary[index].isEmpty {
                let line = summary[index]
                if cost(line) <= share {
                    chosen[position][index] = line
                    share -= cost(line)
                } else {
                    if let cut = cutAtListItem(line, fitting: share - 2 - " …".utf16.count) {
                        chosen[position][index] = cut + " …"
                        share -= cost(cut + " …")
                    }
                    break
                }
            }
            budget -= spent - share
            // A heading (**Warnings**) whose first item did not fit is left out with it.
            for index in chosen[position].keys.sorted() where summary[index].hasPrefix("**") && summary[index].hasSuffix("**")
                && !summary[index].contains(":**") {
                let firstItem = summary.indices.first { $0 > index && !summary[$0].isEmpty }
                if firstItem.map({ chosen[position][$0] == nil }) ?? true { chosen[position][index] = nil }
            }
        }
        var text: [String] = []
        for position in 0..<included {
            if position > 0 { text += ["", "---", ""] }
            var previous = -1
            for index in chosen[position].keys.sorted() {
                if index > previous + 1, previous >= 0, summaries[position][index - 1].isEmpty { text.append("") }
                text.append(chosen[position][index]!)
                previous = index
            }
        }
        let dropped = reviews[included...].map(\.version)
        return Document(text: text.joined(separator: "\n") + note(omission(dropped), limit: characterLimit), omission: omission(dropped))
    }

    /// The note that ends a shortened document.
    private static func note(_ omission: String, limit: Int) -> String {
        "\n\n> [!NOTE]\n> Shortened to fit \(limit) characters: \(omission). "
            + "For the whole review, run the same `selinon-migrate review` command with `--comment-limit 0`."
    }

    /// The longest prefix of `line` that ends before a ", " list separator — outside code spans
    /// and parentheses, so that an item such as `` `flow` (2 renumbered, 1 added) `` stays
    /// whole — and has at most `room` UTF-16 code units, if any.
    private static func cutAtListItem(_ line: String, fitting room: Int) -> String? {
        guard room > 0 else { return nil }
        var best: String.Index?
        var length = 0
        var depth = 0, inCode = false
        var index = line.startIndex
        while index < line.endIndex {
            switch line[index] {
            case "`": inCode.toggle()
            case "(" where !inCode: depth += 1
            case ")" where !inCode: depth = max(0, depth - 1)
            default: break
            }
            if depth == 0, !inCode, line[index...].hasPrefix(", ") {
                if length > room { break }
                best = index
            }
            length += line[index].utf16.count
            index = line.index(after: index)
        }
        return best.map { String(line[..<$0]) }
    }

    private static func lines(_ review: ReviewedMigration, graphs: [String: String], detail: Detail) -> [String] {
        var lines = ["### Migration \(review.version) · strategy `\(review.strategy.rawValue)`"]
        if review.oldSource != nil || review.newSource != nil {
            lines.append("")
            lines.append("From \(MarkdownText.codeSpan(ReviewText.source(review.oldSource))) to \(MarkdownText.codeSpan(ReviewText.source(review.newSource))).")
        }
        lines.append("")
        if review.flows.isEmpty {
            lines.append("No flow changes.")
        } else {
            lines.append("**\(review.flows.count) flow\(review.flows.count == 1 ? " changes" : "s change"):** "
                         + review.flowsBySeverity.map { "\(MarkdownText.codeSpan($0.flow)) (\($0.summary))" }.joined(separator: ", "))
        }
        let tainting = review.flows.flatMap(\.consequences).filter { $0.strategy != nil }
        if !tainting.isEmpty {
            // Which flows each strategy hits, most severe first: kept when the comment is cut.
            let strategies = TaintedFlowStrategy.allCases.sorted(by: >).compactMap { strategy -> String? in
                let flows = review.flows.filter { $0.consequences.contains { $0.strategy == strategy } }.map(\.flow)
                guard !flows.isEmpty else { return nil }
                let named = flows.prefix(5).map(MarkdownText.codeSpan).joined(separator: ", ")
                return "\(strategy.rawValue) in \(named)" + (flows.count > 5 ? " and \(flows.count - 5) more" : "")
            }.joined(separator: "; ")
            lines.append("")
            lines.append("> [!WARNING]")
            lines.append("> \(tainting.count) situation\(tainting.count == 1 ? " taints" : "s taint") in-flight flows (\(strategies))"
                         + (detail < .summary ? "; see each flow below." : "."))
        }
        if detail < .summary {
            for flow in review.flows { lines += section(flow, graph: graphs[flow.flow], detail: detail) }
        }
        if !review.otherChanges.isEmpty {
            lines.append("")
            lines.append("**Other changes** (no migration needed; the new workers run in-flight flows with them)")
            lines.append("")
            lines += review.otherChanges.map { "- " + MarkdownText.escaped($0) }
        }
        if !review.warnings.isEmpty {
            lines.append("")
            lines.append("**Warnings**")
            lines.append("")
            lines += review.warnings.map { "- " + MarkdownText.escaped($0) }
        }
        if !review.limitations.isEmpty {
            lines.append("")
            lines.append("**Not shown**")
            lines.append("")
            lines += review.limitations.map { "- " + MarkdownText.escaped($0) }
        }
        return lines
    }

    /// A flow's collapsible section.
    private static func section(_ flow: FlowReview, graph: String?, detail: Detail) -> [String] {
        var lines = ["", "<details><summary><b>\(html(flow.flow))</b>: \(html(flow.summary))</summary>", ""]
        if let graph {
            lines.append("![graph of \(MarkdownText.escaped(flow.flow))](\(graph))")
            lines.append("")
        }
        let (shown, keptUnseen) = ReviewText.tableRows(flow)
        let rows = detail == .full ? shown : detail == .changedEdges ? shown.filter { $0.change != .kept } : []
        if !rows.isEmpty {
            lines.append("| old | new | change | edge | condition |")
            lines.append("|---:|---:|---|---|---|")
            for row in rows {
                let change = row.change == .kept ? "kept" : "**\(row.change.rawValue)**"
                let condition = ReviewText.conditionCell(row)
                lines.append("| \(row.oldIndex.map(String.init) ?? "") | \(row.newIndex.map(String.init) ?? "") | \(change) | "
                             + "\(cell(row.edgeText)) | \(condition.isEmpty ? "" : cell(condition)) |")
            }
            lines.append("")
        }
        if detail == .full, let keptUnseen {
            lines.append(keptUnseen.prefix(1).uppercased() + keptUnseen.dropFirst() + ".")
            lines.append("")
        }
        if !flow.consequences.isEmpty || flow.reachableStates != nil {
            lines.append("**In-flight flows**")
            lines.append("")
            lines += flow.consequences.map { "- \($0.text)" }
            if let reachable = flow.reachableStates { lines.append("- Every reachable state: " + MarkdownText.escaped(reachable)) }
            lines.append("")
        }
        lines.append("</details>")
        return lines
    }

    /// A code span in a table cell: GitHub splits cells at pipes before it reads code spans,
    /// so they are escaped (and shown as pipes inside the span).
    static func cell(_ text: String) -> String { MarkdownText.codeSpan(text).replacingOccurrences(of: "|", with: "\\|") }

    /// `text` inside HTML (`<summary>`): markup characters as entities, line breaks and other
    /// controls shown escaped — a blank line would end the HTML block and let the rest be read
    /// as Markdown — and the words GitHub would make mentions, links, references or emoji in
    /// `<code>`, which it leaves alone (as ``MarkdownText/escaped(_:)`` does with code spans).
    static func html(_ text: String) -> String {
        MarkdownText.visibleControls(text).split(separator: " ", omittingEmptySubsequences: false).map { word in
            let escaped = word.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
            return MarkdownText.isRewrittenByGitHub(word) ? "<code>\(escaped)</code>" : escaped
        }.joined(separator: " ")
    }
}
