extension Migration {
    /// Per flow, its edge count before and after this migration, as `_meta.edge_counts` records
    /// them (files selinon-migrate writes); `nil` when the file records none (Selinon's files,
    /// `--no-meta`).
    public var recordedEdgeCounts: (before: [String: Int], after: [String: Int])? {
        guard case .object(let counts)? = metadata?["edge_counts"] else { return nil }
        var before: [String: Int] = [:], after: [String: Int] = [:]
        for (flow, value) in counts {
            if let old = value["old"]?.intValue { before[flow] = old }
            if let new = value["new"]?.intValue { after[flow] = new }
        }
        return (before, after)
    }

    /// The flows `_meta.edge_counts` counts only before this migration (it removes them) and only
    /// after it (it adds them); `nil` when the file records no counts.
    public var recordedPresenceChanges: (removed: Set<String>, added: Set<String>)? {
        guard let counts = recordedEdgeCounts else { return nil }
        let before = Set(counts.before.keys), after = Set(counts.after.keys)
        return (before.subtracting(after), after.subtracting(before))
    }

    /// `_meta.digests.old`: the structure digest of the configuration the file migrates from.
    var oldDigest: String? { metadata?["digests"]?["old"]?.stringValue }
}

extension MigrationDirectory {
    /// Where two consecutive files cannot follow each other, judged from what their `_meta`
    /// records (files without it are not judged):
    /// - a flow the earlier file leaves with N edges starts the later one with fewer, or is
    ///   missing from it: edges and flows only go away through a migration, which would sit
    ///   between the two;
    /// - both files migrate from the same configuration (equal `digests.old`): the later one was
    ///   generated before the earlier one existed (another branch) or copied from it.
    /// A configuration may change between two migrations without needing one (new flows, new
    /// starting edges at the end of a flow), so more edges in the later file are not a finding.
    static func continuityProblems(_ files: [File]) -> [MigrationFileError] {
        var problems: [MigrationFileError] = []
        for (earlier, later) in zip(files, files.dropFirst()) {
            let earlierName = "\(earlier.version).json", laterName = "\(later.version).json"
            let hint = "one of them was copied, renumbered or edited: restore both from version control; if \(laterName) is new "
                + "on your branch, delete it and generate it again on top of \(earlierName) (selinon-migrate rebase does this "
                + "for a branch), then review it"
            if let earlierDigest = earlier.migration.oldDigest, earlierDigest == later.migration.oldDigest {
                let position = JSONKeyLine.position(of: ["_meta", "digests", "old"], in: later.bytes)
                problems.append(MigrationFileError(
                    file: later.path, line: position?.line, column: position?.column,
                    message: "\(laterName) migrates from the same configuration as \(earlierName) (equal _meta.digests.old): it was "
                        + "generated before \(earlierName) existed (on another branch) or copied from it, so it does not follow it",
                    hint: hint))
                continue
            }
            guard let leaves = earlier.migration.recordedEdgeCounts?.after,
                  let starts = later.migration.recordedEdgeCounts?.before else { continue }
            for flow in leaves.keys.sorted() {
                let count = leaves[flow]!
                let position = JSONKeyLine.position(of: ["_meta", "edge_counts", flow], in: later.bytes)
                    ?? JSONKeyLine.position(of: ["_meta", "edge_counts"], in: later.bytes)
                if let start = starts[flow], start >= count { continue }
                let found = starts[flow].map { "starts it with \($0) edge\($0 == 1 ? "" : "s")" } ?? "does not have it"
                problems.append(MigrationFileError(
                    file: later.path, line: position?.line, column: position?.column,
                    message: "\(earlierName) leaves flow '\(flow)' with \(count) edge\(count == 1 ? "" : "s"), but \(laterName) \(found) "
                        + "(_meta.edge_counts): edges and flows go away only through a migration, so \(laterName) was not generated "
                        + "on top of \(earlierName)",
                    hint: hint))
                break
            }
        }
        return problems
    }
}
