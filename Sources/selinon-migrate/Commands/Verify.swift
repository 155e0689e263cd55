import ArgumentParser
import FlowConfig
import FlowMigration
import Foundation
import GitHistory
import MigrationGenerator

extension SelinonMigrate {
    /// `verify`: the migration directory is intact, and (with `--git`) consistent with history.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Prove the migration directory intact — and with --git, consistent with the configuration's history.",
            discussion: """
                Checks every migration file against migrations.sum (edited, removed, renumbered or \
                hand-added files, a sum edited by hand), git conflict markers left by a merge, and \
                the directory's rules (names, gaps, well-formed files).

                With --git it also walks the history of the configuration (-n/-f, first parents, \
                plus the working tree when it differs from HEAD): each migration is matched to the \
                change it was generated for — by the digests in its _meta, else by its effect — and \
                re-derived from the configurations at those revisions; it reports migrations that \
                do not match, migrations whose configurations are not in the history, migrations \
                generated twice, and changes that needed a migration and got none ("1a2b3c4d5e6f \
                (message) changed ingest with no migration").

                Examples:
                  selinon-migrate verify -m migrations
                  selinon-migrate verify --git -n config/nodes.yml -f config/flows

                Exit codes: 0 nothing found; 1 a finding; 2 a file or git could not be read; 64 \
                usage error.
                """)

        @Option(name: [.customShort("m"), .customLong("migration-dir")],
                help: ArgumentHelp("The migration directory (default: global.migration_dir of -n, else 'migrations').", valueName: "dir"))
        var migrationDirectory: String?

        @OptionGroup(title: "Configuration (for --git)") var location: ConfigLocationOptions

        @Flag(help: "Also check the migrations against the configuration's git history.")
        var git = false

        @Option(help: "Output format: text, or json (the findings).")
        var format: OutputFormat = .text

        func validate() throws {
            try validateMigrationDirectory(migrationDirectory)
        }

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let terminal = Terminal(environment: environment, reportsInJSON: format == .json)
            let loader = location.loader(environment: environment)
            var source: FileSystemConfigurationSource?
            var current: Configuration?
            var context: GitContext?
            if git || location.nodesDefinition != nil || ConfigLocationOptions.environmentNamesConfiguration(environment) {
                let given = try location.source(environment: environment)
                source = given
                // (Opening the repository first says when a sparse checkout leaves the configuration out.)
                if git { context = try? GitContext(workingTree: given, resolvesRevisions: false) }
                current = try terminal.loadConfiguration(given, with: loader, role: "current")
            }
            let directoryPath = migrationDirectory ?? current?.global.expandedMigrationDirectory ?? "migrations"
            try terminal.refuseMisplacedMigrationDirectory(directoryPath, configuration: source?.nodesFile)
            // Git keeps no empty directory: in a clone made before the first migration, the
            // directory is missing and holds no migrations (with --git, the history says whether
            // it should) — when it is the directory the given configuration names: a mistyped
            // -m, or the default `migrations` where the configuration keeps its migrations
            // elsewhere, must not turn the check off.
            // (Missing, not unreachable: a file on the path or a looping link is a finding.)
            var status = stat()
            let exists = lstat(directoryPath, &status) == 0 || errno != ENOENT
            let named: Bool
            if let current, let migrationDirectory {
                named = current.global.expandedMigrationDirectory.map { sameDirectory(migrationDirectory, $0) } ?? false
            } else {
                // The default `migrations` is not named by a configuration that names none.
                named = current?.global.expandedMigrationDirectory != nil
            }
            if !exists && named { terminal.message("note: \(directoryPath) does not exist: there are no migrations yet") }
            let integrity = DirectoryIntegrity(path: directoryPath, requireSum: exists || !named)
            var report = VerifyReport(migrationDirectory: directoryPath, findings: integrity.findings, matches: [])
            if let context {
                // What the working tree reads through a link out of the repository, no commit holds.
                report.findings += context.migrationLinksLeavingRepository(in: directoryPath)
                // The fix for two branches' migrations, onto what git's state says (the options follow below).
                for index in report.findings.indices {
                    report.findings[index].hint = context.repository.withConcreteRebaseFix(report.findings[index].hint, directory: directoryPath,
                                                                                           options: " -n NODES -f FLOWS")
                }
            }
            if !exists && !named {
                let addition = current == nil
                    ? "; if no migration was generated yet, give the configuration too (-n/-f): a directory it names may be missing "
                        + "until the first migration"
                    : migrationDirectory == nil && current?.global.expandedMigrationDirectory == nil
                        ? "; the nodes file sets no global.migration_dir, so it names no directory that may be missing until the first "
                            + "migration: pass -m with the migration directory, and set global.migration_dir (Selinon's workers read "
                            + "migrations from it)"
                        : ""
                for index in report.findings.indices { report.findings[index].hint += addition }
            }

            var checkedHistory = false
            if context?.repository.isHeadUnborn == true {
                terminal.message("note: HEAD's branch has no commits yet: there is no history to check the migrations against "
                    + "(the first commit starts it)")
            } else if git, let source, let current,
                      report.findings.allSatisfy({ ["missing-sum", "unlisted", "linked-outside-repository"].contains($0.kind) }) {
                checkedHistory = true
                let directory = try terminal.loadMigrationDirectory(directoryPath, allowMissing: true)
                let (states, unloaded, movedAt) = try history(source: source, current: current, loader: loader.toleratingTraceErrors,
                                                              migrationDirectory: directoryPath, terminal: terminal)
                let continuities = Self.continuities(of: directory.migrations, context: context, loader: loader.toleratingTraceErrors)
                var (matches, findings) = MigrationHistoryCheck.check(states: states, migrations: directory.migrations, continuities: continuities)
                if let movedAt {
                    // The history starts at a commit with commits before it: the files were made there, or
                    // came from elsewhere in a way rename detection does not find (a copy, a rewrite).
                    for index in findings.indices where findings[index].kind == .unmatched {
                        findings[index].hint = "the configuration's history starts at \(movedAt), which created its files (a copy, "
                            + "or a move that git does not find as a rename), and verify --git reads no further back: this migration "
                            + "may come from before — compare it by hand before changing anything (never delete a migration a "
                            + "deployment may have applied)"
                    }
                } else if unloaded > 0 {
                    // A migration from a revision that could not be loaded matches nothing.
                    for index in findings.indices where findings[index].kind == .unmatched {
                        findings[index].hint = "the configuration could not be read at \(counted(unloaded, "earlier revision")) (moved "
                            + "in a way git does not find as a rename?): this migration may come from there — compare it by hand "
                            + "before changing anything; otherwise, " + findings[index].hint
                    }
                }
                // (A file located between two revisions but not matching them is a finding, not a match.)
                let unmatched = Set(findings.compactMap(\.version))
                report.matches = matches.filter { !unmatched.contains($0.version) }
                    .map { VerifyReport.Match(file: (directoryPath as NSString).appendingPathComponent("\($0.version).json"),
                                              version: $0.version, from: $0.from, to: $0.to) }
                // Migrations a commit before HEAD had and the directory lacks (a revert of a
                // migration committed apart from its change): restored, not regenerated.
                if findings.contains(where: { $0.kind == .uncovered }), let head = try? context?.repository.commit("HEAD"), let repository = context?.repository,
                   let (holder, lost) = Terminal.migrationsLost(in: directoryPath, before: head, repository: repository) {
                    let files = lost.map { MigrationDirectory.filePath(version: $0, in: directoryPath) }
                    let sum = (directoryPath as NSString).appendingPathComponent(MigrationSum.fileName)
                    let them = lost.count == 1 ? "it" : "them"
                    report.findings.append(DirectoryIntegrity.Finding(
                        kind: "removed-migration", file: files[0], line: nil,
                        message: "\(files.joined(separator: ", ")) \(lost.count == 1 ? "was" : "were") in \(holder.id.short) (\(holder.summary)) "
                            + "and \(lost.count == 1 ? "is" : "are") gone since (a revert?); deployments may have applied \(them)",
                        hint: "restore \(them) with the sum, do not regenerate: git checkout \(holder.id.short) -- "
                            + (files + [sum]).map(gitPathWord).joined(separator: " ") + "; then run verify --git again"))
                }
                report.findings += findings.map { finding in
                    DirectoryIntegrity.Finding(kind: finding.kind.rawValue,
                                         file: finding.version.map { MigrationDirectory.filePath(version: $0, in: directoryPath) } ?? directoryPath,
                                         line: nil, message: finding.message, hint: finding.hint)
                }
            } else if git {
                terminal.message("note: the history was not checked: fix the directory first")
            }
            // Merges after which the directory holds the merged side's migrations over the first
            // parent's: an applied migration rewritten, or what rebase --onto MERGE_HEAD does.
            var replacedNotes: [String] = []
            // The files' hashes, read once for both walks over the merges below (only with the history checked).
            let hashesNow = checkedHistory ? MigrationsNow(directory: directoryPath).hashes : [:]
            if checkedHistory, let repository = context?.repository {
                let options = location.shellArguments.isEmpty ? " -n NODES -f FLOWS"
                    : location.shellArguments + (migrationDirectory.map { " -m " + shellWord($0) } ?? "")
                for replaced in MergeReplacedMigrations.find(in: directoryPath, repository: repository,
                                                             hashes: hashesNow) {
                    if let deployed = replaced.provenRewrite(in: repository, directory: directoryPath) {
                        report.findings.append(replaced.finding(in: directoryPath, deployed: deployed))
                    } else {
                        replacedNotes.append(replaced.note(in: directoryPath, options: options, repository: repository))
                    }
                }
            }

            // Hints name this run's configuration options instead of placeholders, to be pasted.
            if !location.shellArguments.isEmpty {
                let options = location.shellArguments + (migrationDirectory.map { " -m " + shellWord($0) } ?? "")
                for index in report.findings.indices {
                    var hint = report.findings[index].hint
                    // (A hint that names its own -m keeps it.)
                    if hint.contains(" -n NODES -f FLOWS -m ") {
                        hint = hint.replacingOccurrences(of: " -n NODES -f FLOWS", with: location.shellArguments)
                    }
                    report.findings[index].hint = hint.replacingOccurrences(of: " -n NODES -f FLOWS", with: options)
                }
            }
            // Files a merge of another branch brought, as that branch has them: this branch's first
            // parents cannot place them, and moving or regenerating them here would rewrite that
            // branch's (deployed, perhaps) migrations.
            if checkedHistory, !report.findings.isEmpty, let repository = context?.repository, !Self.isDeployedBranch(repository),
               let (merge, _, side, versions, _) = repository.migrationsTakenFromMergedSides(
                   in: directoryPath, hashes: hashesNow).first {
                let names = versions.map { "\($0).json" }.joined(separator: ", ")
                terminal.message("note: \(names) came with \(merge.id.short) (\(merge.summary)), as \(side.id.short) (\(side.summary)) on the "
                    + "merged branch has \(versions.count == 1 ? "it" : "them"): this branch's first parents cannot place "
                    + "\(versions.count == 1 ? "it" : "them"), so what follows may be about that; do not move or regenerate "
                    + "\(versions.count == 1 ? "it" : "them") here — run verify --git on the merged branch, and check --base "
                    + "\(side.id.short) for this branch's own migrations")
            }
            switch format {
            case .text:
                for finding in report.findings { terminal.message(finding.description) }
                if report.findings.isEmpty {
                    let isEmpty = !exists || (try? MigrationDirectory.load(from: directoryPath))?.files.isEmpty == true
                    var lines = [!exists ? "ok: \(directoryPath) does not exist yet: no migrations to verify"
                                 : isEmpty ? "ok: \(directoryPath) holds no migrations yet" : "ok: \(directoryPath) matches \(MigrationSum.fileName)"]
                    if checkedHistory { lines[0] += isEmpty ? ", and the configuration's history needs none" : " and the configuration's history" }
                    lines += report.matches.map { "  \($0.name): \($0.from) → \($0.to)" }
                    terminal.output(lines.joined(separator: "\n"))
                }
            case .json:
                terminal.outputJSON(text: try JSONReport.render(report))
            }
            if report.findings.isEmpty {
                // Several files over one step of the first-parent history: a merge brought them, or one
                // commit carried several migrations (a squash merge, an amended commit).
                let steps = Dictionary(grouping: report.matches) { "\($0.from) → \($0.to)" }.filter { $0.value.count > 1 }
                for (step, shared) in steps.sorted(by: { $0.value[0].version < $1.value[0].version }) {
                    let files = shared.map(\.name)
                    terminal.message("note: \(files.dropLast().joined(separator: ", ")) and \(files.last!) cover one step of the first-parent history "
                        + "(\(step)): one commit brought several migrations — a merge of another branch's, a squash merge or an "
                        + "amended commit — which verify --git, following first parents, sees as one change; on a branch that merged "
                        + "main, run it on main for the deployed history")
                }
                for note in replacedNotes { terminal.message(note) }
            }
            if !report.findings.isEmpty { throw DirectoryIntegrity.exitStatus(for: report.findings) }
        }

        /// Where one migration ends and the next starts at another configuration (a branch that
        /// changed a condition, or added a flow, between two of its migrations): the pair of their
        /// digests ("end start") when both configurations are on a side a merge of HEAD's line
        /// brought, and differ only in what needs no migration.
        private static func continuities(of migrations: [Migration], context: GitContext?, loader: ConfigurationLoader) -> Set<String> {
            func digest(_ migration: Migration, _ side: String) -> String? { migration.metadata?["digests"]?[side]?.stringValue }
            let gaps = zip(migrations, migrations.dropFirst()).compactMap { first, second -> (String, String)? in
                guard let end = digest(first, "new"), let start = digest(second, "old"), end != start else { return nil }
                return (end, start)
            }
            guard !gaps.isEmpty, let context else { return [] }
            // (The merged sides of HEAD's first-parent line hold the branches' configurations.)
            let merges = context.repository.firstParentMerges()
            var found: Set<String> = []
            for (end, start) in gaps {
                for merge in merges {
                    guard let first = context.repository.commit(withDigest: end, onMergedSidesOf: merge, paths: context.paths, loader: loader),
                          let second = context.repository.commit(withDigest: start, onMergedSidesOf: merge, paths: context.paths, loader: loader),
                          let before = try? context.configuration(at: first, paths: context.paths, loader: loader),
                          let after = try? context.configuration(at: second, paths: context.paths, loader: loader) else { continue }
                    if !MigrationDiffer().plan(from: before, to: after, strategy: .ignore).isNeeded { found.insert("\(end) \(start)") }
                    break
                }
            }
            return found
        }

        /// Whether HEAD's branch is the one deployments run: the default branch its remote records
        /// (`origin/HEAD`), or — where none is recorded — a branch named `main` or `master`.
        private static func isDeployedBranch(_ repository: GitRepository) -> Bool {
            guard let branch = repository.headBranch else { return false }
            if let remote = MergeReplacedMigrations.remote(of: repository), let target = repository.defaultBranch(ofRemote: remote) {
                return target == "\(remote)/\(branch)"
            }
            return ["main", "master"].contains(branch)
        }

        /// The configuration at every commit that changed it (oldest first), and the working tree
        /// when it differs from the newest.
        /// `movedAt` names the first commit with the configuration at its current paths when
        /// commits come before it (the files were elsewhere, or not yet there).
        private func history(source: FileSystemConfigurationSource, current: Configuration, loader: ConfigurationLoader,
                             migrationDirectory: String, terminal: Terminal)
            throws -> (states: [MigrationHistoryCheck.State], unloaded: Int, movedAt: String?) {
            let context: GitContext
            let revisions: [ConfigurationRevision]
            do {
                context = try GitContext(workingTree: source)
                // (From where HEAD has the files: the working tree may have moved them since.)
                revisions = try context.repository.configurationHistory(context.headPaths, from: context.repository.commit("HEAD").id).reversed()
            } catch {
                throw terminal.fail(error)
            }
            // Loaded on every core (the repository serialises the reads), reported in order.
            let configurations = revisions.concurrentMap { revision in
                Result { () throws(ConfigurationError) -> Configuration? in
                    try context.configuration(at: revision.commit, paths: revision.paths, loader: loader)
                }
            }
            var states: [MigrationHistoryCheck.State] = []
            var unloaded = 0
            let now = MigrationsNow(directory: migrationDirectory)
            for (revision, loaded) in zip(revisions, configurations) {
                let commit = revision.commit
                let configuration: Configuration?
                do {
                    configuration = try loaded.get()
                } catch {
                    error.diagnostics.forEach(terminal.report)
                    // A file git could not give is 2; a filter the repository sets, as generate says, 1.
                    throw error.isReadFailure ? ExitStatus.toolFailed : ExitStatus.inputFailed
                }
                let label = "\(commit.id.short) (\(commit.summary))"
                guard let configuration else {
                    terminal.message("warning: the configuration at \(label) cannot be loaded; its change is not checked")
                    unloaded += 1
                    continue
                }
                // A merge that kept this side's migrations over the other side's of the same numbers:
                // its change is the other side's, whose migration was dropped, not one to generate.
                var uncoveredHint: String?
                if let first = commit.parents.first,
                   let (other, replaced) = context.repository.migrationsReplaced(in: migrationDirectory, by: commit, keeping: first) {
                    uncoveredHint = "the merge kept this side's \(replaced.map { "\($0).json" }.joined(separator: ", ")) over "
                        + "\(other.id.short)'s of the same number\(replaced.count == 1 ? "" : "s"): do not generate a migration on top "
                        + "(where \(other.id.short)'s file was deployed, its change would be migrated twice); if \(other.id.short) may be "
                        + "deployed, run selinon-migrate rebase --onto \(other.id.short) -n NODES -f FLOWS, which keeps its migrations "
                        + "and migrates this side's change after them"
                }
                // The commit added a migration the directory no longer holds (a revert deleted it):
                // deployments may have applied it, so it comes back rather than a new one in its place.
                // (Versions from the trees alone: this runs for every revision.)
                let versions = try? context.repository.migrationVersions(in: migrationDirectory, at: commit)
                let parent = commit.parents.first.flatMap { try? context.repository.commit(id: $0) }
                let added = versions.map { versions in
                    versions.subtracting(parent.flatMap { try? context.repository.migrationVersions(in: migrationDirectory, at: $0) } ?? [])
                } ?? []
                if uncoveredHint == nil, case let gone = added.filter({ now.hashes[$0] == nil }).sorted(), !gone.isEmpty {
                    let paths = gone.map { gitPathWord(MigrationDirectory.filePath(version: $0, in: migrationDirectory)) }
                    let sum = gitPathWord((migrationDirectory as NSString).appendingPathComponent(MigrationSum.fileName))
                    uncoveredHint = "this commit added \(gone.map { "\($0).json" }.joined(separator: ", ")), which the directory no longer "
                        + "holds (a revert deleted \(gone.count == 1 ? "it" : "them")?); deployments may have applied "
                        + "\(gone.count == 1 ? "it" : "them"): restore, do not regenerate — git checkout \(commit.id.short) -- "
                        + "\(paths.joined(separator: " ")) \(sum), then selinon-migrate rehash -m \(shellWord(migrationDirectory)) "
                        + "if later migrations were added"
                }
                // A merge that brought a branch's migrations leading to a configuration of that branch
                // short of the merge's: the missing migration starts there (from this side's last
                // change, it would migrate the branch's migrated change a second time).
                if uncoveredHint == nil, commit.parents.count > 1, let newest = added.max(), let leadsTo = now.destination(of: newest),
                   leadsTo != StructureDigest.digest(of: configuration),
                   let start = context.repository.commit(withDigest: leadsTo, onMergedSidesOf: commit, paths: revision.paths, loader: loader) {
                    uncoveredHint = "this merge brought \(newest).json, which leads to the configuration of \(start.id.short) (\(start.summary)) "
                        + "on the merged branch; migrate the rest of the change from there: selinon-migrate generate --from "
                        + "\(start.id.short) --to \(commit.id.short) -n NODES -f FLOWS"
                }
                states.append(.init(label: label, configuration: configuration, revision: commit.id.short, uncoveredHint: uncoveredHint,
                                    addedMigrations: !added.isEmpty))
            }
            if states.last.map({ StructureDigest.digest(of: $0.configuration) }) != StructureDigest.digest(of: current) {
                // In the middle of a merge the working tree holds both sides' changes: the fix is
                // the one check gives for the merge (a rebase onto MERGE_HEAD when both sides added
                // migrations), not a migration generated on top, which generate refuses there.
                let merging = context.repository.isMerging
                    ? "a merge is under way: run selinon-migrate check -n NODES -f FLOWS, which compares the merge with both sides and "
                        + "gives its fix (selinon-migrate rebase --onto MERGE_HEAD when both added migrations); generate for further edits "
                        + "once the merge is committed"
                    : nil
                states.append(.init(label: "the working tree", configuration: current, uncoveredHint: merging))
            }
            // Files that match the history but that HEAD does not hold as they are: not deployed from git yet.
            let uncommitted = context.migrationsNotCommitted(in: migrationDirectory, now: now).sorted()
            if !uncommitted.isEmpty {
                terminal.message("note: not committed as they are here (HEAD lacks them, or holds other bytes): "
                    + "\(uncommitted.map { "\($0).json" }.joined(separator: ", ")); commit them with the changes they migrate, or what "
                    + "deploys from git will not have them")
            }
            let movedAt = revisions.first.flatMap { $0.commit.parents.isEmpty ? nil : "\($0.commit.id.short) (\($0.commit.summary))" }
            return (states, unloaded, movedAt)
        }
    }
}

/// `verify --format json`.
struct VerifyReport: Encodable {
    /// A migration file proven to match the history: its path (as `findings` give theirs), its
    /// version, and the revisions it migrates between.
    struct Match: Encodable {
        var file: String
        var version: Int
        var from: String
        var to: String

        /// The file's name (`3.json`), for text.
        var name: String { "\(version).json" }
    }

    /// Named `migration_directory` in JSON, as every command names it.
    var migrationDirectory: String
    var findings: [DirectoryIntegrity.Finding]
    var matches: [Match]
}
