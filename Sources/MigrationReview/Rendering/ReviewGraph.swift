/// One flow of a ``ReviewedMigration`` as a Graphviz graph: the union of old and new edges. An
/// edge (which may join several sources to several destinations) is a small labelled point;
/// added edges are green, removed ones red and dashed, renumbered ones labelled `old→new`,
/// changed ones orange; the sources of added edges that taint a flow which already finished
/// them are highlighted. Graphviz ids are prefixed by kind (`node:`, `edge:`, `start`,
/// `unknown:`), so no name — a migration file can hold any — is taken for another node or an edge.
public enum ReviewGraph {
    public static func dot(_ flow: FlowReview, version: Int) -> String {
        var lines = ["digraph \(quoted("\(flow.flow) (migration \(version))")) {",
                     "  graph [rankdir=LR, fontname=\"Helvetica\", label=\(quoted("\(flow.flow): \(flow.summary) (migration \(version))")), labelloc=t];",
                     "  node [shape=box, style=rounded, fontname=\"Helvetica\"];",
                     "  edge [fontname=\"Helvetica\"];"]
        let tainting = Set(flow.consequences.filter { $0.kind == .sourcesFinished }.compactMap(\.edge)
            .flatMap { index in flow.rows.first { $0.newIndex == index }?.new?.from ?? [] })
        var nodes: [String] = []
        func note(_ name: String) { if !nodes.contains(name) { nodes.append(name) } }
        for row in flow.rows {
            for edge in [row.edge, row.replacedEdge].compactMap({ $0 }) {
                edge.from.forEach(note)
                edge.to?.forEach(note)
            }
        }
        if flow.rows.contains(where: { $0.edge?.from.isEmpty == true }) {
            lines.append("  \"start\" [shape=circle, label=\"\", width=0.2, style=filled, fillcolor=black];")
        }
        for name in nodes {
            let highlight = tainting.contains(name) ? ", style=\"rounded,filled\", fillcolor=\"#ffd8a8\", penwidth=2" : ""
            lines.append("  \(nodeID(name)) [label=\(quoted(name)), tooltip=\(quoted(name, tooltip: true))\(highlight)];")
        }
        for (position, row) in flow.rows.enumerated() {
            guard let edge = row.edge else { continue }
            let id = quoted("edge:\(position)")
            let (color, style) = appearance(row.change)
            let label: String
            switch row.change {
            case .renumbered: label = "\(row.oldIndex!)→\(row.newIndex!)"
            case .changed where row.isRenumbered: label = "\(row.oldIndex!)→\(row.newIndex!)"
            case .removed: label = "\(row.oldIndex!)→✕"
            case .added: label = "+\(row.newIndex!)"
            default: label = String(row.newIndex ?? row.oldIndex ?? 0)
            }
            let condition = ReviewText.conditionCell(row)
            let tooltip = condition.isEmpty ? edge.display : "\(edge.display) if \(condition)"
            draw(edge, id: id, unknown: "unknown:\(position)", color: color, style: style, label: label, tooltip: tooltip, into: &lines)
            // A changed edge that now joins other nodes (a translation edited by hand): the old
            // one is drawn too, as removed, so the graph does not pass it off as a renumbering.
            if let replaced = row.replacedEdge {
                let (color, style) = appearance(.removed)
                draw(replaced, id: quoted("replaced:\(position)"), unknown: "replaced-unknown:\(position)", color: color, style: style,
                     label: "\(row.oldIndex!)⇒\(row.newIndex!)", tooltip: "\(replaced.display), replaced by \(edge.display)", into: &lines)
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// One edge: its point, with a line from each source and to each destination.
    private static func draw(_ edge: ReviewedEdge, id: String, unknown: String, color: String, style: String, label: String, tooltip: String,
                             into lines: inout [String]) {
        lines.append("  \(id) [shape=point, width=0.08, color=\(color), xlabel=\(quoted(label)), tooltip=\(quoted(tooltip, tooltip: true))];")
        for source in edge.from.isEmpty ? ["\"start\""] : edge.from.map(nodeID) {
            lines.append("  \(source) -> \(id) [arrowhead=none, color=\(color), style=\(style)];")
        }
        for destination in edge.to ?? [] {
            lines.append("  \(id) -> \(nodeID(destination)) [color=\(color), style=\(style)];")
        }
        if edge.to == nil {
            lines.append("  \(quoted(unknown)) [label=\"?\", shape=plaintext];")
            lines.append("  \(id) -> \(quoted(unknown)) [color=\(color), style=\(style)];")
        }
    }

    private static func appearance(_ change: EdgeRow.Change) -> (color: String, style: String) {
        switch change {
        case .kept: return ("black", "solid")
        case .renumbered: return ("\"#1c7ed6\"", "solid")
        case .changed: return ("\"#e8590c\"", "solid")
        case .removed: return ("\"#e03131\"", "dashed")
        case .added: return ("\"#2f9e44\"", "bold")
        }
    }

    /// The Graphviz id of the node `name` (whole: ids must stay apart).
    private static func nodeID(_ name: String) -> String { quoted("node:" + name, shortened: false) }

    /// How many Unicode scalars of a label or tooltip are shown: Graphviz (2.43) refuses a
    /// quoted string longer than 16,384 bytes, and a condition listing thousands of values is
    /// longer. Scalars, not characters: one character can carry any number of combining marks.
    /// Escaped, a scalar takes at most 5 bytes (`&amp;`), so what is shown stays under 10,010.
    static let shownScalars = 2_000

    /// A DOT string literal showing `text`: line breaks and other control characters as escapes
    /// (`\n` as two characters, as the other formats show them), backslashes and quotes escaped,
    /// and `&` as `&amp;` (Graphviz reads `&lt;` as `<`, so `'&lt;'` would show as `'<'`).
    /// In a tooltip a backslash is drawn as `⧵`: Graphviz unescapes tooltips twice in some
    /// versions (2.43: `\\` and `\\\\` both show one), so no escaping reads the same everywhere.
    /// `shortened`: text past ``shownScalars`` is cut, with `…` (a label or tooltip, not an id).
    static func quoted(_ text: String, tooltip: Bool = false, shortened: Bool = true) -> String {
        let visible = MarkdownText.visibleControls(text)
        let shown = shortened ? MarkdownText.cut(visible, afterScalars: shownScalars) : visible
        return "\"" + (tooltip ? shown.replacingOccurrences(of: "\\", with: "⧵") : shown.replacingOccurrences(of: "\\", with: "\\\\"))
            .replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
