import FlowMigration
import FlowStore
import MigrationReview

/// `apply --store`'s impact report for people: flows per flow name and outcome, then examples
/// of every outcome that needs attention.
struct SweepReportText {
    let report: SweepReport

    init(_ report: SweepReport) {
        self.report = report
    }

    var text: String {
        let outcomes = SweepReport.Outcome.allCases
        var table = TextTable(header: ["flow"] + outcomes.map(\.rawValue) + ["tainted"])
        let flows = report.counts.keys.sorted()
        for flow in flows {
            table.rows.append([flow] + outcomes.map { String(report.counts[flow]?[$0] ?? 0) }
                              + [String(report.tainted[flow] ?? 0)])
        }
        table.rows.append(["total"] + outcomes.map { String(report.total($0)) } + [String(report.tainted.values.reduce(0, +))])
        let changed = report.total(.migrated) + report.total(.retry) + report.total(.fail) > 0
        var lines = [report.dryRun ? "dry run: nothing was written; migrating to version \(report.latestVersion) would give"
                        : report.stoppedBy != nil ? "stopped before the end (see the note below): "
                            + (changed ? "the flows below were migrated to version \(report.latestVersion)" : "no flow was migrated")
                        : changed ? "migrated to version \(report.latestVersion)"
                        : "no flow was migrated; the latest migration is version \(report.latestVersion)",
                     table.text]
        if let stoppedBy = report.stoppedBy {
            lines.append("note: the sweep stopped before the end (\(stoppedBy)); the table counts the batches it had written, "
                + "which stand — the flows it had nothing to do for, and those after the error, are not counted")
        }
        if let countingError = report.countingError {
            lines.append("note: the flows this run had nothing to do for (up to date, already failed, newer, changed by another "
                + "process) could not be counted, so their columns are 0: \(countingError); the migrated, restarted and failed "
                + "flows above are complete (selinon-migrate status counts the store)")
        }
        if report.changedElsewhere > 0 {
            lines.append("note: \(counted(report.changedElsewhere, "flow")) below version \(report.latestVersion) when the sweep began "
                + "\(report.changedElsewhere == 1 ? "was" : "were") changed by another process (another apply, or a dispatcher) "
                + "before it reached \(report.changedElsewhere == 1 ? "it" : "them"); they are in no column above")
        }
        for flow in flows {
            for outcome in outcomes {
                guard let examples = report.examples[flow]?[outcome], !examples.isEmpty else { continue }
                let count = outcome == .migrated ? report.tainted[flow] ?? 0 : report.counts[flow]?[outcome] ?? 0
                let label = outcome == .migrated ? "migrated with IGNORE taints" : outcome.rawValue
                lines.append("")
                lines.append("\(PrintableText.escaped(flow)), \(label): \(count) flow\(count == 1 ? "" : "s")"
                    + (count > examples.count ? ", for example" : ""))
                for example in examples {
                    var line = "  \(PrintableText.escaped(example.flowID))" + (example.fromVersion.map { " (version \($0))" } ?? "")
                    if let error = example.error { line += ": \(error)" }
                    lines.append(line)
                    lines += example.taints.map { "    " + Self.describe($0) }
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A taint in words.
    static func describe(_ taint: Taint) -> String {
        let what: String
        switch taint.reason {
        case .firedRemovedEdge(let index, let edge):
            what = "fired edge \(index) (\(edge.from.joined(separator: ", ")) -> \(edge.to.joined(separator: ", "))), which version \(taint.version) removed"
        case .sourcesAlreadyFinished(let index, let nodes):
            what = "\(nodes.joined(separator: ", ")) already finished, so edge \(index) added by version \(taint.version) will not fire"
        case .flowRemoved(let flow):
            what = "version \(taint.version) removed flow \(flow)"
        }
        return "\(what) [\(taint.strategy.rawValue)]"
    }
}
