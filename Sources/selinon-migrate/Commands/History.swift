import ArgumentParser
import FlowConfig
import FlowMigration
import Foundation
import GitHistory
import MigrationGenerator
import Synchronization

extension SelinonMigrate {
    /// `history`: the revisions that changed the configuration and how each is migrated.
    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "history",
            abstract: "List the revisions that changed the flow configuration, and which migration covers each.",
            discussion: """
                Walks the first-parent history from HEAD. For every commit that changed the \
                configuration files: its id, date and subject, the flows whose edges changed (and \
                flows added or removed), and the migration files that cover its change ("covered \
                by 1.json", added by the commit or in another one) — or "needs migration" when its \
                change needs one and none covers it.

                Example:
                  selinon-migrate history -n config/nodes.yml -f config/flows --max-count 20

                Exit codes: 0 listed (even when a revision needs a migration: use check to gate); \
                1 a revision or path is wrong; 2 git failed; 64 usage.
                """)

        @OptionGroup var location: ConfigLocationOptions

        @Option(name: [.customShort("m"), .customLong("migration-dir")],
                help: ArgumentHelp("The migration directory (default: global.migration_dir of the nodes file, else ./migrations if it exists).", valueName: "dir"))
        var migrationDirectory: String?

        @Option(name: .customLong("max-count"), parsing: .unconditional, help: "List at most this many revisions.")
        var maxCount: Int = 100

        @Option(help: "Output format: text, or json.")
        var format: OutputFormat = .text

        func validate() throws {
            try validateMigrationDirectory(migrationDirectory)
            if maxCount < 1 { throw ValidationError("--max-count must be at least 1.") }
        }

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let terminal = Terminal(environment: environment, reportsInJSON: format == .json)
            let workingTree = try location.source(environment: environment)
            let loader = location.loader(environment: environment, checksConsistency: false).toleratingTraceErrors
            var entries: [HistoryEntry] = []
            var unborn = false
            var listedDirectory: String?
            var directoryProblems: [DirectoryIntegrity.Finding] = []
            do {
                let context = try GitContext(workingTree: workingTree)
                try refuseMissingPaths(context, terminal: terminal)
                let current = loader.load(from: workingTree).configuration
                let directory = migrationDirectory ?? current?.global.expandedMigrationDirectory ?? current?.global.migrationDirectory
                    ?? existingDefaultMigrationDirectory
                listedDirectory = directory
                if let directory {
                    try terminal.refuseMisplacedMigrationDirectory(directory, configuration: workingTree.nodesFile)
                    if !FileManager.default.fileExists(atPath: directory) {
                        terminal.message("note: there is no migration directory \(directory) here now, so no change is covered by a "
                            + "migration that is still there")
                    } else {
                        // The listing goes on (it reads the files git holds), but a broken directory is said at once.
                        directoryProblems = DirectoryIntegrity(path: directory, requireSum: false).findings
                        // (The fix for two branches' migrations, onto what git's state says.)
                        let options = (location.shellArguments.isEmpty ? " -n NODES -f FLOWS" : location.shellArguments)
                            + (migrationDirectory.map { " -m " + shellWord($0) } ?? "")
                        for index in directoryProblems.indices {
                            directoryProblems[index].hint = context.repository.withConcreteRebaseFix(directoryProblems[index].hint,
                                                                                                    directory: directory, options: options)
                        }
                        for finding in directoryProblems { terminal.message(finding.described(as: "warning")) }
                        if !directoryProblems.isEmpty {
                            terminal.message("note: the migration directory has problems (above; selinon-migrate verify checks it): "
                                + "what this listing says about migrations now is in doubt")
                        }
                    }
                }
                // (From where HEAD has the files: the working tree may have moved them since.)
                unborn = context.repository.isHeadUnborn
                let revisions = unborn ? []
                    : try context.repository.configurationHistory(context.headPaths, from: context.repository.commit("HEAD").id, limit: maxCount)
                let now = directory.map(MigrationsNow.init(directory:)) ?? MigrationsNow()
                // A file only in the working tree covers no commit yet.
                let uncommitted = directory.map { context.migrationsNotCommitted(in: $0, now: now) } ?? []
                // Each entry loads two configurations; entries are built on every core, in order.
                let command = self
                let invalid = InvalidConfigurations()
                let listed = try revisions.concurrentMap { revision in
                    Result { try command.entry(for: revision, context: context, loader: loader, directory: directory, now: now,
                                               uncommitted: uncommitted, invalid: invalid) }
                }.map { try $0.get() }
                entries = listed.map(\.entry)
                Self.creditMigrations(&entries, changes: listed.map(\.change), now: now, uncommitted: uncommitted)
            } catch let error as GitError {
                throw terminal.fail(error)
            } catch let error as ConfigurationError {
                error.diagnostics.forEach(terminal.report)
                // A file git could not give is 2; a filter the repository sets, as generate says, 1.
                throw error.isReadFailure ? ExitStatus.toolFailed : ExitStatus.inputFailed
            }
            switch format {
            case .text:
                if entries.isEmpty { terminal.output(unborn ? "no commits yet" : "no commit changed the configuration") }
                for entry in entries { terminal.output(entry.line) }
            case .json:
                var report: [String: JSONValue] = [
                    "revisions": try JSONReport.value(entries),
                    "migration_directory": listedDirectory.map(JSONValue.string) ?? .null,
                ]
                if !directoryProblems.isEmpty { report["migration_directory_problems"] = .array(directoryProblems.map(\.jsonValue)) }
                terminal.outputJSON(.object(report))
            }
        }

        /// Refuses a configuration path that is neither in the working tree nor at HEAD — a typo,
        /// which would otherwise list every commit as an invalid configuration.
        private func refuseMissingPaths(_ context: GitContext, terminal: Terminal) throws {
            let snapshot = context.repository.isHeadUnborn ? nil : try context.repository.snapshot(of: context.paths, at: context.repository.commit("HEAD").id)
            let named = [(context.workingTree.nodesFile, context.paths.nodesFile)]
                + Array(zip(context.workingTree.flowPaths, context.paths.flowPaths))
            let missing = named.filter { shown, path in
                !FileManager.default.fileExists(atPath: shown) && !(snapshot?.files.keys.contains { $0 == path || $0.hasPrefix(path + "/") } ?? false)
            }
            guard !missing.isEmpty else { return }
            for (shown, _) in missing {
                terminal.message("error: \(shown) is neither in the working tree nor at HEAD\n  hint: check the paths given with -n/-f")
            }
            throw ExitStatus.inputFailed
        }

        /// A commit's entry, and the change it made — the structure digests of the
        /// configuration before it (the last valid one) and after it — when both are valid.
        private struct ListedChange: Sendable {
            var entry: HistoryEntry
            var change: Change?
        }

        /// The structure digests of the configuration before a commit (the last valid one) and
        /// after it, and the commit the one before is from.
        struct Change: Sendable {
            var before: String
            var after: String
            var beforeRevision: String?
        }

        private func entry(for revision: ConfigurationRevision, context: GitContext, loader: ConfigurationLoader, directory: String?,
                           now: MigrationsNow, uncommitted: Set<Int>, invalid: InvalidConfigurations) throws -> ListedChange {
            let commit = revision.commit
            // Before a commit that moved the configuration, its files were at other paths.
            let parentPaths = revision.movedFrom ?? revision.paths
            func configuration(_ commit: GitCommit, at paths: ConfigurationPaths) throws(ConfigurationError) -> Configuration? {
                guard !invalid.contains(commit, paths) else { return nil }
                let configuration = try context.configuration(at: commit, paths: paths, loader: loader)
                if configuration == nil { invalid.insert(commit, paths) }
                return configuration
            }
            var entry = HistoryEntry(revision: commit.id.hex, date: Self.day(of: commit), subject: commit.summary)
            let parent = try commit.parents.first.map { parentID throws(GitError) in try context.repository.commit(id: parentID) }
            if let movedFrom = revision.movedFrom {
                // A flow file deleted (read at the parent as one of the configuration's) is said as such, not as a move;
                // paths the parent does not have either (one side of a file split in two) are no place it moved from.
                let deleted = revision.deletedFlowFiles
                let kept = ConfigurationPaths(nodesFile: movedFrom.nodesFile, flowPaths: movedFrom.flowPaths.filter { !deleted.contains($0) })
                if kept != revision.paths, let parent {
                    entry.movedFrom = ([kept.nodesFile] + kept.flowPaths).filter { ((try? context.repository.entry(at: $0, in: parent.id)) ?? nil) != nil }
                }
                entry.deletedFlowFiles = deleted.isEmpty ? nil : deleted
            }
            let after = try configuration(commit, at: revision.paths)
            var before = try parent.flatMap { parentCommit throws(ConfigurationError) in try configuration(parentCommit, at: parentPaths) }
            // The commit whose configuration `before` is: the parent, or the last valid one before it.
            var beforeCommit = parent
            // An invalid parent (workers could not start on it): the change is the one since the
            // last valid configuration before it, which is what was running.
            if before == nil, let parent, (try? context.repository.hasConfiguration(parentPaths, at: parent)) == true {
                var ancestor = parent
                for _ in 0..<Self.validSearchDepth {
                    guard let next = ancestor.parents.first.flatMap({ try? context.repository.commit(id: $0) }) else { break }
                    ancestor = next
                    if let valid = try configuration(ancestor, at: parentPaths) {
                        before = valid
                        entry.comparedWith = ancestor.id.hex
                        beforeCommit = ancestor
                        break
                    }
                }
            }
            // The files the commit added, and whether the directory still holds each as it was then
            // (a rebase may have renumbered it, and the number may hold another branch's file now).
            var replaced: [String] = []
            var added: [(key: Int, value: [UInt8])] = []
            if let directory {
                // A merge brought the other side's files, also where it took them over this side's.
                added = try context.repository.migrationFilesAdded(in: directory, by: commit, after: parent, withMergedReplacements: true)
                    .sorted { $0.key < $1.key }
                entry.migrations = added.map { "\($0.key).json" }
                replaced = added.filter { now.hashes[$0.key] != MigrationSum.hash($0.value) }.map { "\($0.key).json" }
                // Files the parent held that this commit removed (a revert of the commit that added them).
                if let parent, let before = try? context.repository.migrationVersions(in: directory, at: parent),
                   let kept = try? context.repository.migrationVersions(in: directory, at: commit) {
                    let removed = before.subtracting(kept).sorted().map { "\($0).json" }
                    entry.removedMigrations = removed.isEmpty ? nil : removed
                }
            }
            // History is read at the paths given: where a flow path is not in a commit, the
            // configuration was elsewhere then (renamed since), not invalid.
            guard let after else {
                entry.status = context.flowPathsAbsent(at: commit, paths: revision.paths) ? "not-at-these-paths" : "invalid-configuration"
                return ListedChange(entry: entry)
            }
            guard let before else {
                if let parent, context.flowPathsAbsent(at: parent, paths: parentPaths),
                   (try? context.repository.hasConfiguration(parentPaths, at: parent)) == true {
                    entry.status = "first-at-these-paths"
                    return ListedChange(entry: entry)
                }
                // A parent whose configuration cannot even be listed has one: it is invalid, not absent.
                entry.status = parent == nil || (try? context.repository.hasConfiguration(parentPaths, at: parent!)) == false
                    ? "initial" : "previous-configuration-invalid"
                entry.changedFlows = after.flowNames
                return ListedChange(entry: entry)
            }
            let plan = MigrationDiffer().plan(from: before, to: after, strategy: .ignore)
            let digests = (before: StructureDigest.digest(of: before), after: StructureDigest.digest(of: after))
            entry.changedFlows = plan.flowChanges.map(\.flow)
            entry.changedInPlace = HistoryEntry.changesInPlace(plan.warnings, besides: entry.changedFlows)
            entry.addedFlows = plan.addedFlows
            entry.removedFlows = plan.removedFlows
            let addedHere = !entry.migrations.isEmpty && replaced.count < entry.migrations.count
            // Files whose _meta digests lead elsewhere migrate another change (main's, brought in by a
            // merge that landed as a fast-forward): they do not cover this one.
            let addedOther = addedHere && plan.isNeeded
                && !Self.mayCover(added, directory: directory.flatMap { try? context.migrationFiles(in: $0, at: commit) } ?? [:],
                                  change: plan.migration, from: digests.before, to: digests.after)
            entry.status = addedHere && !addedOther ? "covered" : plan.isNeeded ? "needs-migration" : "not-needed"
            // A migration committed separately from the change it migrates, or renumbered since.
            if entry.status == "needs-migration" {
                // Among the files generated for this very change (the same change may happen
                // twice), a file the parent already held as it is now migrated an earlier one; of
                // the rest, the first (files are generated in history order).
                // (Held at the configuration compared with: files an invalid parent added may migrate this very change.)
                let atParent = directory.flatMap { path in beforeCommit.flatMap { try? context.migrationFiles(in: path, at: $0) } } ?? [:]
                let candidates = (now.generated(from: digests.before, to: digests.after, change: plan.migration) ?? [])
                    .filter { version in atParent[version].map(MigrationSum.hash) != now.hashes[version] }
                if let first = candidates.min() {
                    // The commit's own files, edited (and rehashed) since: not another commit's.
                    let own = candidates.filter { entry.migrations.contains("\($0).json") }
                    entry.status = !own.isEmpty ? "covered-edited" : uncommitted.contains(first) ? "covered-uncommitted" : "covered-later"
                    entry.migrations = (own.isEmpty ? [first] : own).map { "\($0).json" }
                } else if !replaced.isEmpty {
                    // Gone from the directory (a revert, a deletion), or another file at the number.
                    let removed = replaced.allSatisfy { name in MigrationDirectory.version(ofFileName: name).map { now.hashes[$0] == nil } ?? false }
                    entry.status = removed ? "covered-by-removed" : "covered-by-replaced"
                } else if addedOther {
                    entry.status = "added-other"
                }
            }
            return ListedChange(entry: entry, change: Change(before: digests.before, after: digests.after, beforeRevision: beforeCommit?.id.hex))
        }

        /// Credits the migrations to the changes they were generated for, as `verify --git`
        /// matches them (in version order, each from where the one before it ended, from the
        /// commit its `_meta` records as its base where the history holds it): a migration
        /// generated over several commits at once (`generate --from A --to B` with commits that
        /// changed the configuration between A and B, or a span over an invalid configuration)
        /// covers each of their changes; a migration another commit's line was credited with by
        /// its digests alone covers that change only when the matching says so (the same change
        /// made twice, reverted in between, has the migration of one of them). `entries` are
        /// newest first, and `changes` are theirs.
        static func creditMigrations(_ entries: inout [HistoryEntry], changes: [Change?], now: MigrationsNow, uncommitted: Set<Int>) {
            // The configurations in history order, oldest first, each with the entry whose change led to it
            // (an invalid configuration leaves the one that ran before it, which the next change starts from).
            var states: [(digest: String, entry: Int?, revision: String?)] = []
            for index in changes.indices.reversed() {
                guard let change = changes[index] else { continue }
                if states.last?.digest != change.before { states.append((change.before, nil, change.beforeRevision)) }
                states.append((change.after, index, entries[index].revision))
            }
            let intervals = MigrationHistoryCheck.recordedIntervals(of: now.recordedChanges, digests: states.map(\.digest),
                                                                    revisions: states.map(\.revision))
            let spans = intervals.mapValues { states[($0.from + 1)...$0.to].compactMap(\.entry) }
            // Another commit's migration credited by its digests alone, where the matching puts it elsewhere
            // (or nowhere: verify --git then reports the file, and the change as not migrated).
            let recorded = Set(now.recordedChanges.map(\.version))
            for position in entries.indices where ["covered-later", "covered-uncommitted"].contains(entries[position].status) {
                let credited = entries[position].migrations.compactMap(MigrationDirectory.version(ofFileName:))
                guard !credited.isEmpty, credited.allSatisfy(recorded.contains),
                      !credited.contains(where: { spans[$0]?.contains(position) == true }) else { continue }
                if let other = spans.filter({ $0.value == [position] }).keys.min() {
                    entries[position].status = uncommitted.contains(other) ? "covered-uncommitted" : "covered-later"
                    entries[position].migrations = ["\(other).json"]
                } else {
                    entries[position].status = "needs-migration"
                    entries[position].migrations = []
                }
            }
            // (Commits in a span that needed no migration — a condition changed — are not among its changes.)
            let covering: Set<String> = ["covered", "covered-later", "covered-edited", "covered-uncommitted", "needs-migration"]
            for (version, span) in spans.sorted(by: { $0.key < $1.key }) where span.count > 1 {
                let name = "\(version).json"
                let changes = span.filter { covering.contains(entries[$0].status) }
                for position in changes {
                    if entries[position].status == "needs-migration" {
                        entries[position].status = uncommitted.contains(version) ? "covered-uncommitted"
                            : changes.count > 1 ? "covered-together" : "covered-later"
                        entries[position].migrations = [name]
                    }
                    guard entries[position].migrations.contains(name), changes.count > 1 else { continue }
                    // (Its digests may name this change alone: the same configurations, the change in between reverted.)
                    if entries[position].status == "covered-later" { entries[position].status = "covered-together" }
                    entries[position].coveredTogetherWith = changes.filter { $0 != position }.map { entries[$0].revision }
                }
            }
        }

        /// How many commits back from an invalid configuration the last valid one is looked for.
        static let validSearchDepth = 50

        /// Whether migration files a commit added may cover its change: one leads to the
        /// configuration after it by its `_meta` digests (from wherever an earlier, unmigrated
        /// commit left it), or changes flows exactly as the change does, or one records no digests
        /// (Selinon's files, `--no-meta`): nothing says it does not. A file that starts (by its
        /// digests) neither at `before` (the configuration the change was made to) nor where the
        /// migration before it in `directory` (the directory at the commit) leads was generated
        /// from the wrong base and covers nothing — a change between the two that needed no
        /// migration (a flow added) moves the start away from the migration before.
        /// `verify --git` judges further. `beforeDigest` and `afterDigest`: the structure digests
        /// of the configurations before and after the change.
        static func mayCover(_ files: [(key: Int, value: [UInt8])], directory: [Int: [UInt8]], change: Migration,
                             from beforeDigest: String, to afterDigest: String) -> Bool {
            func digests(_ bytes: [UInt8]?) -> (migration: Migration, old: String?, new: String?)? {
                guard let bytes, let migration = try? Migration(selinonJSON: bytes, file: "") else { return nil }
                let recorded = migration.metadata?["digests"]
                return (migration, recorded?["old"]?.stringValue, recorded?["new"]?.stringValue)
            }
            return files.contains { version, bytes in
                guard let file = digests(bytes) else { return false }
                guard let new = file.new else { return true }
                if let old = file.old, old != beforeDigest, let previous = digests(directory[version - 1])?.new, previous != old { return false }
                return new == afterDigest || file.migration.hasSameEffect(as: change)
            }
        }

        /// The committer's day of the commit where it was made, as `git log --format=%cd
        /// --date=short` gives it (shifted by the recorded offset, whatever it is: git records
        /// offsets no time zone has, such as +2300).
        static func day(of commit: GitCommit) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd"
            return formatter.string(from: commit.date.addingTimeInterval(TimeInterval(commit.dateOffsetSeconds)))
        }
    }
}

/// The commits whose configuration (at given paths) did not load, for the entries of one
/// `history`: a run of invalid revisions looks for the last valid configuration before each,
/// through the same ancestors — loaded once each, not once per revision. (Only the invalid ones
/// are kept: a search stops at the first valid configuration, and a large configuration's model
/// for every commit would not fit in memory.)
final class InvalidConfigurations: Sendable {
    private struct Key: Hashable {
        var commit: String
        var paths: ConfigurationPaths
    }
    private let keys = Mutex<Set<Key>>([])

    func contains(_ commit: GitCommit, _ paths: ConfigurationPaths) -> Bool {
        keys.withLock { $0.contains(Key(commit: commit.id.hex, paths: paths)) }
    }

    func insert(_ commit: GitCommit, _ paths: ConfigurationPaths) {
        _ = keys.withLock { $0.insert(Key(commit: commit.id.hex, paths: paths)) }
    }
}

extension GitRepository {
    /// Whether `commit` has the configuration's nodes file.
    /// - Throws: ``GitError`` when the configuration's files cannot be read there (a flow file
    ///   that is a link leaving the repository): that is not a configuration the commit lacks.
    func hasConfiguration(_ paths: ConfigurationPaths, at commit: GitCommit) throws(GitError) -> Bool {
        try snapshot(of: paths, at: commit.id).hasNodesFile
    }
}

/// One revision of `history`.
struct HistoryEntry: Encodable {
    var revision: String
    var date: String
    var subject: String
    /// `covered`, `covered-later` (by a migration another commit added or renumbered: its
    /// `_meta` digests name this change), `covered-together` (by a migration generated over
    /// this commit's change and others': ``coveredTogetherWith``), `covered-uncommitted` (by a migration in the working tree
    /// that HEAD does not hold as it is), `covered-edited` (by the migrations this commit added,
    /// edited since), `covered-by-removed` (the commit added migrations that the directory holds
    /// no more, removed since — by a revert, say), `covered-by-replaced` (the commit added migrations
    /// that the directory no longer holds as they were, and no file of it names this change),
    /// `added-other` (the commit added migrations whose `_meta` digests name another change),
    /// `needs-migration`, `not-needed`, `initial`, `invalid-configuration`,
    /// `previous-configuration-invalid`, `not-at-these-paths` (a flow path given is not in the
    /// commit: the configuration was elsewhere then), `first-at-these-paths` (the first commit
    /// with every flow path given, after commits with the nodes file only: moved here).
    var status = ""
    var changedFlows: [String] = []
    /// Flows whose edges changed in place — a condition, `foreach`, … — which needs no migration
    /// (`generate` warns of it), besides ``changedFlows``: flow → what changed.
    var changedInPlace: [String: [String]] = [:]
    var addedFlows: [String] = []
    var removedFlows: [String] = []
    var migrations: [String] = []
    /// The last valid configuration's revision the change was taken from, when the parent's
    /// configuration is invalid.
    var comparedWith: String?
    /// Where the configuration's files were before this commit moved them (the nodes file, then
    /// the flow paths the parent has), as git's rename detection finds it.
    var movedFrom: [String]?
    /// The configuration's flow files this commit deleted (read at its parent: flow files named
    /// one by one do not name them now).
    var deletedFlowFiles: [String]?
    /// The migration files this commit removed (deployments may have applied them).
    var removedMigrations: [String]?
    /// The other commits whose changes the migration covering this one migrates with it (one
    /// migration generated over several commits).
    var coveredTogetherWith: [String]?

    /// What changed in place per flow, from the warnings of the change's migration plan.
    static func changesInPlace(_ warnings: [MigrationWarning], besides changedFlows: [String]) -> [String: [String]] {
        var changes: [String: [String]] = [:]
        for warning in warnings where !changedFlows.contains(warning.flow) {
            let what: String
            switch warning.kind {
            case .conditionChanged: what = "condition"
            case .foreachChanged: what = "foreach"
            case .destinationRepeatsChanged: what = "repeated destination"
            case .nowaitChanged: what = "nowait"
            case .selectiveChanged: what = "selective"
            case .destinationKindChanged: what = "destination kind"
            case .fallbackRemoved: what = "fallback"
            case .newStartingEdge, .flowRemoved, .flowRenamed: continue
            }
            if !changes[warning.flow, default: []].contains(what) { changes[warning.flow, default: []].append(what) }
        }
        return changes
    }

    var line: String {
        var flows: [String] = changedFlows
        flows += changedInPlace.keys.sorted().map { "\($0) (\(changedInPlace[$0]!.joined(separator: ", ")) changed)" }
        flows += addedFlows.map { "+\($0)" }
        flows += removedFlows.map { "-\($0)" }
        let what = flows.isEmpty ? "no edge changes" : flows.joined(separator: ", ")
        var coverage: String
        // A migration generated over several commits' changes names the others.
        let coveredBy = "covered by \(migrations.joined(separator: ", "))" + (coveredTogetherWith.map { others in
            " (one migration for this change and \(others.count == 1 ? "that" : "those") of "
                + others.map { String($0.prefix(12)) }.joined(separator: ", ") + ")"
        } ?? "")
        switch status {
        case "covered": coverage = coveredBy
        case "covered-later", "covered-together": coverage = "\(coveredBy), added in another commit"
        case "covered-uncommitted": coverage = "\(coveredBy), which is not committed as it is (git add and commit it)"
        case "covered-edited": coverage = "\(coveredBy), edited since this commit added \(migrations.count == 1 ? "it" : "them")"
        case "covered-by-removed":
            coverage = "added \(migrations.joined(separator: ", ")), which the directory no longer holds (removed since)"
        case "covered-by-replaced":
            coverage = "added \(migrations.joined(separator: ", ")), which the directory no longer holds as it was (renumbered or replaced)"
        case "added-other":
            coverage = "added \(migrations.joined(separator: ", ")), which migrate\(migrations.count == 1 ? "s" : "") another change "
                + "(by \(migrations.count == 1 ? "its" : "their") _meta digests) — needs migration"
        case "needs-migration": coverage = "needs migration"
        case "not-needed": coverage = "no migration needed"
        case "initial": coverage = "initial configuration"
        case "not-at-these-paths": coverage = "the flow files are not at these paths here (moved since?); history reads the paths given"
        case "first-at-these-paths": coverage = "the flow files are at these paths from here on (moved here?); compare with the old paths by hand (diff -N/-F)"
        default: coverage = status.replacingOccurrences(of: "-", with: " ")
        }
        // Files the commit added that the verdict does not speak of (a commit whose previous
        // configuration was invalid, or that needed no migration itself) are still named.
        let speaksOfFiles = ["covered", "covered-together", "covered-later", "covered-uncommitted", "covered-edited", "covered-by-replaced", "covered-by-removed", "added-other"]
        if !speaksOfFiles.contains(status) && !migrations.isEmpty { coverage += " (added \(migrations.joined(separator: ", ")))" }
        if let removedMigrations {
            coverage += " — removed \(removedMigrations.joined(separator: ", ")), which deployments may have applied"
        }
        let compared = (comparedWith.map { " (since \($0.prefix(12)), the last valid configuration before it)" } ?? "")
            + (movedFrom.map { " (moved from \($0.joined(separator: ", ")))" } ?? "")
            + (deletedFlowFiles.map { " (deleted flow file\($0.count == 1 ? "" : "s") \($0.joined(separator: ", ")))" } ?? "")
        // The subject is anyone's text, and paths may hold anything: kept to the entry's line.
        let subject = ConfigDiagnostic.printable(subject, limit: .max)
        // No change was compared where the flow files were elsewhere, or where they could not be read.
        if ["not-at-these-paths", "first-at-these-paths", "invalid-configuration"].contains(status) { return "\(revision.prefix(12))  \(date)  \(subject) — \(coverage)" }
        return ConfigDiagnostic.printable("\(revision.prefix(12))  \(date)  \(subject) — \(what)\(compared) — \(coverage)", limit: .max)
    }
}
