import ArgumentParser
import FlowConfig
import FlowMigration
import Foundation
import GitHistory
import MigrationGenerator

extension SelinonMigrate {
    /// `check`: fail when the configuration changed without the migration it needs.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Fail when the flow configuration changed without the migration it needs (for CI and pre-commit).",
            discussion: """
                Compares the configuration at the base revision (the merge base of HEAD with --base \
                REV — REV itself when HEAD contains it — or by default with the upstream branch, \
                else HEAD) with the working tree, and the migration directory likewise. Passes \
                when nothing needs a migration, or when the migrations added since the base, \
                composed, have exactly the effect that generate would write for base → working tree \
                (or, when the base changed the configuration without a migration, for the \
                revision where the base's migrations end → working tree: the fix generate \
                advises). Fails, naming the flows and the command to run, when a \
                migration is missing, stale or extra; when a migration that existed at the base was \
                changed or removed; when a migration file does not match migrations.sum or carries \
                git conflict markers; when a migration file, the sum or the directory is a symbolic \
                link out of the repository (git commits only the link); or when that branch (REV or the upstream) added a migration \
                with the same number (fix: selinon-migrate rebase --onto REV). With --staged (for \
                pre-commit hooks), first fails when a configuration or migration file is not staged \
                as the working tree shows it. In a repository with no commits yet, passes. Never \
                writes anything.

                Example (CI on a pull request):
                  selinon-migrate check -n config/nodes.yml -f config/flows --base origin/main

                Exit codes: 0 nothing missing; 1 a migration is missing, stale, extra, changed or \
                conflicting, a file is not staged (--staged), a configuration is invalid, or git cannot resolve the base \
                (a mistyped revision); 2 git or the file system failed (also a base a shallow clone \
                lacks: fetch more history rather than take it for a missing migration); 64 usage.
                """)

        @OptionGroup var location: ConfigLocationOptions

        @Option(name: [.customShort("m"), .customLong("migration-dir")],
                help: ArgumentHelp("The migration directory (default: global.migration_dir of the nodes file, else ./migrations if it exists).", valueName: "dir"))
        var migrationDirectory: String?

        @Option(help: ArgumentHelp("The branch to compare with, at its merge base with HEAD (default: the upstream branch — the remote's default branch when the upstream is this branch's own copy — else HEAD).",
                                   valueName: "revision"))
        var base: String?

        @Flag(help: ArgumentHelp("For a pre-commit hook: also fail when a configuration or migration file differs from what is staged (changed, or not added), so that what passes is what the commit holds."))
        var staged = false

        @Option(help: "Output format: text, or json (the findings).")
        var format: OutputFormat = .text

        func validate() throws {
            try validateMigrationDirectory(migrationDirectory)
        }

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let terminal = Terminal(environment: environment, reportsInJSON: format == .json)
            let workingTree = try location.source(environment: environment)
            let context: GitContext
            do {
                context = try GitContext(workingTree: workingTree)
            } catch {
                throw terminal.fail(error)
            }
            let loader = location.loader(environment: environment)
            // With unstaged files, what the working tree shows is not what the commit holds: only
            // they are reported (findings about the working tree would mislead) — before the
            // working tree's configuration is loaded, which may be broken where the index is not.
            var unstaged = staged ? try unstagedProblems(configuration: true, directoryPath: migrationDirectory, context: context, terminal: terminal) : []
            if !unstaged.isEmpty && migrationDirectory == nil {
                // The migration directory the working tree's nodes file names, when it can be read:
                // its unstaged files are named in the same run, not in the next one.
                let configured = (try? loader.load(workingTree.read()).configuration).flatMap {
                    $0.global.expandedMigrationDirectory ?? $0.global.migrationDirectory
                } ?? existingDefaultMigrationDirectory
                if let configured {
                    unstaged += try unstagedProblems(configuration: false, directoryPath: configured, context: context, terminal: terminal)
                }
            }
            if staged && unstaged.isEmpty {
                unstaged = indexDifferences(workingTree: workingTree, context: context, loader: loader)
            }
            if (base == nil || base == "HEAD" || base == "@") && context.repository.isHeadUnborn {
                // The first commit: no flow can be in flight yet (the hook must let it through).
                if unstaged.isEmpty { _ = try terminal.loadConfiguration(workingTree, with: loader, role: "new") }
                return try finish(CheckReport(base: nil, summary: "HEAD's branch has no commits yet (a new repository, or an orphan "
                    + "branch): no flow of it can be in flight, so nothing needs a migration", problems: unstaged, addedMigrations: []),
                    terminal: terminal)
            }
            let baseCommit: BranchBase
            let basePaths: ConfigurationPaths
            let baseHasConfiguration: Bool
            do {
                baseCommit = try context.base(base)
                // Where the files were in the base, moves since followed; a flow path the base does
                // not have even so (a move git does not see as one) is a moved configuration too.
                basePaths = context.paths(at: baseCommit.commit)
                baseHasConfiguration = try context.repository.hasConfiguration(basePaths, at: baseCommit.commit)
                    && GitConfigurationSource(repository: context.repository, paths: basePaths,
                                              location: .revision(baseCommit.commit, label: baseCommit.label)).absentFlowPaths().isEmpty
            } catch {
                throw terminal.fail(error)
            }
            if let note = baseCommit.note { terminal.message(note) }
            guard unstaged.isEmpty else {
                return try finish(CheckReport(base: baseCommit.commit.id.hex, summary: "", problems: unstaged, addedMigrations: []),
                                  note: baseCommit.explanation, terminal: terminal)
            }
            guard baseHasConfiguration else {
                let new = try terminal.loadConfiguration(workingTree, with: loader, role: "new")
                return try finish(newConfigurationReport(new, base: baseCommit, context: context, loader: loader), note: baseCommit.explanation,
                                  terminal: terminal)
            }
            if basePaths != context.paths {
                // Flow files named one by one and one deleted since (read there) is no move.
                let deleted = basePaths.flowPaths.filter { !context.paths.flowPaths.contains($0) }
                let kept = ConfigurationPaths(nodesFile: basePaths.nodesFile, flowPaths: basePaths.flowPaths.filter { !deleted.contains($0) })
                terminal.message(kept == context.paths
                    ? "note: \(deleted.joined(separator: ", ")), deleted since, \(deleted.count == 1 ? "was a flow file" : "were flow files") of the "
                        + "configuration in \(baseCommit.commit.id.short) (\(baseCommit.label)): it is compared with \(deleted.count == 1 ? "it" : "them")"
                    : "note: the configuration was at \(([basePaths.nodesFile] + basePaths.flowPaths).joined(separator: ", ")) in "
                        + "\(baseCommit.commit.id.short) (\(baseCommit.label)): moved since; it is compared with what was there")
            }
            let baseSource = GitConfigurationSource(repository: context.repository, paths: basePaths,
                                                    location: .revision(baseCommit.commit, label: baseCommit.label))
            var (old, new) = try await terminal.loadConfigurations(old: baseSource, new: workingTree, with: loader, olderConfiguration: .base)
            let directoryPath = migrationDirectory ?? new.global.expandedMigrationDirectory ?? new.global.migrationDirectory
                ?? existingDefaultMigrationDirectory
            if let directoryPath {
                try terminal.refuseMisplacedMigrationDirectory(directoryPath, configuration: workingTree.nodesFile)
            }
            if staged && migrationDirectory == nil && directoryPath != nil {
                // The directory the nodes file names.
                unstaged = try unstagedProblems(configuration: false, directoryPath: directoryPath, context: context, terminal: terminal)
                guard unstaged.isEmpty else {
                    return try finish(CheckReport(base: baseCommit.commit.id.hex, summary: "", problems: unstaged, addedMigrations: []),
                                      note: baseCommit.explanation, terminal: terminal)
                }
            }
            var base = baseCommit
            if let directoryPath, let merged = mergedBranchBase(over: baseCommit, directoryPath: directoryPath, context: context) {
                // The commit about to be made merges that branch: its migrations come first.
                base = merged
                let mergedSource = GitConfigurationSource(repository: context.repository, paths: context.paths(at: merged.commit),
                                                          location: .revision(merged.commit, label: merged.label))
                old = try terminal.loadConfiguration(mergedSource, with: loader.toleratingTraceErrors, role: "old", olderConfiguration: .base)
            }
            try finish(try findings(old: old, new: new, directoryPath: directoryPath, context: context, base: base, terminal: terminal),
                       note: baseCommit.explanation, terminal: terminal)
        }

        /// The configuration is not at its paths in the base. Without migrations there, the branch
        /// adds it: no flow of it can be in flight yet. With migrations there, it was moved (or
        /// renamed), and flows may be in flight: it passes when its structure is the one the base's
        /// latest migration leads to (`_meta` digests: a pure move), else check cannot compare it
        /// with the base's and says how to compare by hand.
        private func newConfigurationReport(_ new: Configuration, base: BranchBase, context: GitContext,
                                            loader: ConfigurationLoader) -> CheckReport {
            let baseName = "\(base.commit.id.short) (\(base.label))"
            // What the base lacks: the nodes file, or (the flow directory moved) flow paths.
            let absentFlows = GitConfigurationSource(repository: context.repository, paths: context.paths,
                                                     location: .revision(base.commit, label: base.label)).absentFlowPaths()
            let nodesThere = (try? context.repository.hasConfiguration(context.paths, at: base.commit)) == true
            let missing = nodesThere && !absentFlows.isEmpty ? absentFlows.joined(separator: ", ") : context.paths.nodesFile
            let directoryPath = migrationDirectory ?? new.global.expandedMigrationDirectory ?? new.global.migrationDirectory
                ?? existingDefaultMigrationDirectory
            var baseFiles = directoryPath.flatMap { try? context.migrationFiles(in: $0, at: base.commit) } ?? [:]
            var baseDirectory = directoryPath
            // The migration directory may have moved too: any directory of the base with a sum.
            if baseFiles.isEmpty, let (moved, directory) = Self.movedMigrations(at: base.commit, configuredThere: nil, other: directoryPath ?? "",
                                                                                searchingSums: true, context: context) {
                baseFiles = moved
                baseDirectory = directory
            }
            let options = location.shellArguments
            func compareByHand(from moved: ConfigurationPaths?) -> String {
                let oldOptions = moved.map { found in
                    " -N /tmp/selinon-base/" + shellWord(found.nodesFile) + found.flowPaths.map { " -F /tmp/selinon-base/" + shellWord($0) }.joined()
                } ?? " -N /tmp/selinon-base/OLD_NODES -F /tmp/selinon-base/OLD_FLOWS"
                return "compare it with the base's by hand: git worktree add /tmp/selinon-base \(base.commit.id.short), then "
                    + "selinon-migrate generate --dry-run\(oldOptions)\(options)" + (moved == nil ? " (OLD_ = the paths there); " : "; ")
                    + "generate the migration it shows, with -N/-F, if it needs one"
            }
            if baseFiles.isEmpty, let moved = Self.movedConfiguration(leadingTo: nil, at: base.commit, like: context.paths,
                                                                      context: context, loader: loader) {
                // No migration yet, but flows run on the configuration it was moved from.
                let plan = MigrationDiffer().plan(from: moved.configuration, to: new, strategy: .ignore)
                guard plan.isNeeded else {
                    return CheckReport(base: base.commit.id.hex, summary: "the configuration is not at \(missing) in \(baseName) (moved "
                        + "from \(moved.paths.nodesFile)?), and no flow change since then needs a migration", problems: [], addedMigrations: [])
                }
                // The first migrations, generated from it (-N/-F, as the hint below says).
                let added = (directoryPath.flatMap { try? MigrationDirectory.load(from: $0, allowMissing: true) }?.files ?? [])
                if let first = added.first, let last = added.last,
                   first.migration.metadata?["digests"]?["old"]?.stringValue == StructureDigest.digest(of: moved.configuration),
                   last.migration.metadata?["digests"]?["new"]?.stringValue == StructureDigest.digest(of: new) {
                    let names = added.map { "\($0.version).json" }.joined(separator: ", ")
                    return CheckReport(base: base.commit.id.hex, summary: "the configuration is not at \(missing) in \(baseName) (moved from "
                        + "\(moved.paths.nodesFile)?); \(names) \(added.count == 1 ? "covers" : "cover") its change since then", problems: [],
                                       addedMigrations: added.map(\.path))
                }
                return CheckReport(base: base.commit.id.hex, summary: "", problems: [.init(
                    kind: "moved-configuration",
                    message: "\(missing) is not in \(baseName), where \(moved.paths.nodesFile) (gone since) holds the configuration "
                        + "in-flight flows run on: it was moved or renamed, and changed without a migration: "
                        + plan.changeSummaries.joined(separator: "; "),
                    hint: compareByHand(from: moved.paths))], addedMigrations: [])
            }
            guard let baseDirectory, let (latest, bytes) = baseFiles.max(by: { $0.key < $1.key }) else {
                return CheckReport(base: base.commit.id.hex, summary: "the configuration is new since \(baseName): no flow can be "
                    + "in flight on an older one, so nothing needs a migration", problems: [], addedMigrations: [])
            }
            let latestPath = MigrationDirectory.filePath(version: latest, in: baseDirectory)
            let leadsTo = (try? Migration(selinonJSON: bytes, file: latestPath))?.metadata?["digests"]?["new"]?.stringValue
            let digest = StructureDigest.digest(of: new)
            if let leadsTo, leadsTo == digest {
                return CheckReport(base: base.commit.id.hex, summary: "the configuration is not at \(missing) in \(baseName) "
                    + "(moved?), and its flows are as \(latestPath) there leaves them: nothing needs a migration", problems: [], addedMigrations: [])
            }
            // Migrations added since (generated by hand from the base's configuration, as the hint
            // below says) that start where the base's end and lead to this configuration.
            let added = (directoryPath.flatMap { try? MigrationDirectory.load(from: $0, allowMissing: true) }?.files ?? [])
                .filter { $0.version > latest }
            func digests(_ file: MigrationDirectory.File?) -> (old: String?, new: String?) {
                (file?.migration.metadata?["digests"]?["old"]?.stringValue, file?.migration.metadata?["digests"]?["new"]?.stringValue)
            }
            if let leadsTo, added.first?.version == latest + 1, digests(added.first).old == leadsTo, digests(added.last).new == digest {
                let names = added.map { "\($0.version).json" }.joined(separator: ", ")
                return CheckReport(base: base.commit.id.hex, summary: "the configuration is not at \(missing) in \(baseName) "
                    + "(moved?); \(names) \(added.count == 1 ? "covers" : "cover") its change since \(latestPath)", problems: [],
                                   addedMigrations: added.map(\.path))
            }
            // Where the configuration was moved from: then it compares with the base's as if unmoved.
            let movedFrom = leadsTo.flatMap { Self.movedConfiguration(leadingTo: $0, at: base.commit, like: context.paths,
                                                                       context: context, loader: loader) }
            if let movedFrom, !MigrationDiffer().plan(from: movedFrom.configuration, to: new, strategy: .ignore).isNeeded {
                return CheckReport(base: base.commit.id.hex, summary: "the configuration is not at \(missing) in \(baseName) "
                    + "(moved from \(movedFrom.paths.nodesFile)?), and no flow change since then needs a migration", problems: [],
                                   addedMigrations: [])
            }
            return CheckReport(base: base.commit.id.hex, summary: "", problems: [.init(
                kind: "moved-configuration",
                message: "\(missing) is not in \(baseName), which has migrations up to \(latestPath): the configuration "
                    + "was moved or renamed" + (movedFrom.map { " (from \($0.paths.nodesFile))" } ?? "") + ", and "
                    + (leadsTo == nil ? "that migration records no digest to compare it with" : "its flows are not as that migration leaves them"),
                hint: compareByHand(from: movedFrom?.paths))], addedMigrations: [])
        }

        /// Migrations missing below the directory's latest that neither HEAD nor the base has:
        /// nothing to restore from version control (as a gap's usual hint says). The files after
        /// the gap came from another history — a cherry-pick committed with its migration, or a
        /// copy — or the missing ones were deleted in an earlier commit. Nil for any other gap
        /// (loading the directory reports it), and for a far-numbered stray file.
        static func gapNeitherSideHad(in directoryPath: String, base: BranchBase, baseName: String,
                                      context: GitContext) -> CheckReport.Problem? {
            let present = Set(((try? FileManager.default.contentsOfDirectory(atPath: directoryPath)) ?? [])
                .compactMap(MigrationDirectory.version(ofFileName:)))
            guard let latest = present.max(), latest - present.count <= 100 else { return nil }
            let missing = (1...latest).filter { !present.contains($0) }
            guard let firstMissing = missing.first, let head = try? context.repository.commit("HEAD"),
                  let headFiles = try? context.migrationFiles(in: directoryPath, at: head),
                  let baseFiles = try? context.migrationFiles(in: directoryPath, at: base.commit),
                  missing.allSatisfy({ headFiles[$0] == nil && baseFiles[$0] == nil }) else { return nil }
            let missingNames = missing.map { "\($0).json" }.joined(separator: ", ")
            let after = present.filter { $0 > firstMissing }.sorted().map { MigrationDirectory.filePath(version: $0, in: directoryPath) }
            let pronoun = missing.count == 1 ? "it" : "them"
            let lacking = base.commit.id == head.id ? "HEAD does not have \(pronoun)" : "neither HEAD nor \(baseName) has \(pronoun)"
            return .init(
                kind: "foreign-migration",
                message: "\(missingNames) \(missing.count == 1 ? "is" : "are") missing before \(after.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")), "
                    + "and \(lacking), so there is nothing to restore: "
                    + "\(after.count == 1 ? "the file after the gap" : "the files after the gap") came from another branch's history (a "
                    + "cherry-pick, or a copy), generated after migrations this branch does not have — or the missing ones were deleted earlier",
                hint: "if they came from another branch: git rm -q \(after.map(gitPathWord).joined(separator: " ")), then selinon-migrate "
                    + "rehash -m \(shellWord(directoryPath)) and check again with --base set to the commit before the configuration change "
                    + "they came with (it names the migration this branch needs); if they were deleted: git log --diff-filter=D -- "
                    + "\(gitPathWord(MigrationDirectory.filePath(version: firstMissing, in: directoryPath))) finds the commit, and git checkout "
                    + "COMMIT^ -- restores them")
        }

        /// The most files named like the nodes file that ``movedConfiguration(leadingTo:at:like:context:loader:)`` tries.
        static let movedCandidateLimit = 20

        /// The configuration of `commit` that `paths` was moved from: a file there named like the
        /// nodes file, with the flow paths placed as they are next to the nodes file now (or where
        /// they are now), whose structure is `digest` (the one the base's migrations lead to).
        /// Without a digest (the base has no migration yet), a valid configuration whose nodes
        /// file is gone from the working tree: the one it was moved away from.
        static func movedConfiguration(leadingTo digest: String?, at commit: GitCommit, like paths: ConfigurationPaths,
                                       context: GitContext, loader: ConfigurationLoader)
            -> (configuration: Configuration, paths: ConfigurationPaths)? {
            let nodesName = paths.nodesFile.split(separator: "/").last.map(String.init) ?? paths.nodesFile
            guard let candidates = try? context.repository.fileIDs(under: "", in: commit.id, include: { $0 == nodesName }) else { return nil }
            let nodesDirectory = parentDirectory(of: paths.nodesFile)
            let root = context.repository.workingDirectory
            func goneFromWorkingTree(_ path: String) -> Bool {
                guard let root else { return false }
                return !FileManager.default.fileExists(atPath: (root as NSString).appendingPathComponent(path))
            }
            for candidate in candidates.prefix(movedCandidateLimit) where candidate.path != paths.nodesFile
                && (digest != nil || goneFromWorkingTree(candidate.path)) {
                let directory = parentDirectory(of: candidate.path)
                let moved = paths.flowPaths.map { Self.move($0, from: nodesDirectory, to: directory) }
                for flowPaths in [moved, paths.flowPaths] where !flowPaths.contains(where: { $0 == nil }) {
                    let candidatePaths = ConfigurationPaths(nodesFile: candidate.path, flowPaths: flowPaths.compactMap { $0 })
                    let source = GitConfigurationSource(repository: context.repository, paths: candidatePaths,
                                                        location: .revision(commit, label: commit.id.short))
                    if let configuration = try? loader.load(source.read()).configuration,
                       digest.map({ StructureDigest.digest(of: configuration) == $0 }) ?? !configuration.flows.isEmpty {
                        return (configuration, candidatePaths)
                    }
                }
            }
            return nil
        }

        /// `path` (relative to the repository) placed relative to `newDirectory` as it is to
        /// `oldDirectory`; `nil` when that leaves the repository.
        static func move(_ path: String, from oldDirectory: String, to newDirectory: String) -> String? {
            func components(_ path: String) -> [String] { path.split(separator: "/").map(String.init).filter { $0 != "." } }
            var base = components(oldDirectory), target = components(path)
            // The part of `path` below the common ancestor, and how far up from `oldDirectory` that is.
            while let first = base.first, first == target.first {
                base.removeFirst()
                target.removeFirst()
            }
            var result = components(newDirectory)
            for _ in base {
                guard !result.isEmpty else { return nil }
                result.removeLast()
            }
            result += target
            return result.isEmpty ? "." : result.joined(separator: "/")
        }

        /// The migrations of `commit` in a directory other than `other`: the one its configuration
        /// names (`configuredThere`), else, when `searchingSums`, the first directory of it that
        /// has a sum; with that directory (relative to the repository for one found by its sum).
        static func movedMigrations(at commit: GitCommit, configuredThere: String?, other: String, searchingSums: Bool,
                                    context: GitContext) -> (files: [Int: [UInt8]], directory: String)? {
            if let configuredThere, configuredThere != other,
               let files = try? context.migrationFiles(in: configuredThere, at: commit), !files.isEmpty {
                return (files, configuredThere)
            }
            guard searchingSums, let root = context.repository.workingDirectory,
                  let sum = (try? context.repository.fileIDs(under: "", in: commit.id, include: { $0 == MigrationSum.fileName }))?.first
            else { return nil }
            let directory = parentDirectory(of: sum.path)
            let path = directory.isEmpty ? root : (root as NSString).appendingPathComponent(directory)
            guard let files = try? context.migrationFiles(in: path, at: commit), !files.isEmpty else { return nil }
            return (files, directory.isEmpty ? "." : directory)
        }

        /// Prints `report` (its summary when it has no problems); exit 1 when it has.
        /// Prints the report; `note` (the base fell back to HEAD, a shallow clone: standard error
        /// has said it) goes into the JSON too, so that a tool reading it knows what was compared.
        private func finish(_ report: CheckReport, note: String? = nil, terminal: Terminal) throws {
            var report = report
            report.note = note
            if !report.problems.isEmpty { report.summary = counted(report.problems.count, "problem") + " found" }
            switch format {
            case .text:
                if report.problems.isEmpty {
                    terminal.output("ok: \(report.summary)")
                } else {
                    for problem in report.problems {
                        // `FILE:LINE:COLUMN: error: …`, as every command's diagnostics about one file.
                        let location = problem.file.map { file in
                            file + (problem.line.map { ":\($0)" + (problem.column.map { ":\($0)" } ?? "") } ?? "") + ": "
                        } ?? ""
                        terminal.message("\(location)error: \(problem.message)" + (problem.hint.isEmpty ? "" : "\n  hint: \(problem.hint)"))
                    }
                }
            case .json:
                terminal.outputJSON(text: try JSONReport.render(report))
            }
            if !report.problems.isEmpty { throw ExitStatus.inputFailed }
        }

        private func findings(old: Configuration, new: Configuration, directoryPath: String?, context: GitContext,
                              base: BranchBase, terminal: Terminal) throws -> CheckReport {
            let baseName = "\(base.commit.id.short) (\(base.label))"
            var plan = MigrationDiffer().plan(from: old, to: new, strategy: .ignore)
            var report = CheckReport(base: base.commit.id.hex, summary: "", problems: [], addedMigrations: [])
            // The base kept migrations where its configuration said, and this configuration says
            // nowhere (a revert of the commit that set it): workers would run no migration.
            if migrationDirectory == nil, new.global.migrationDirectory == nil, let baseDirectory = old.global.expandedMigrationDirectory,
               let baseMigrations = try? context.migrationFiles(in: baseDirectory, at: base.commit), !baseMigrations.isEmpty {
                let count = baseMigrations.count
                report.problems.append(.init(
                    kind: "missing-migration",
                    message: "\(baseName) sets global.migration_dir to \(baseDirectory), which holds \(count) migration\(count == 1 ? "" : "s") "
                        + "there, and this configuration sets none\(plan.isNeeded ? " while \(plan.changedFlowNames.joined(separator: ", ")) changed" : "")"
                        + ": deployments may have applied \(count == 1 ? "it" : "them"), and workers without the setting run no migration",
                    hint: "keep the setting (global.migration_dir: \(old.global.migrationDirectory ?? baseDirectory)) and the directory "
                        + "(git checkout \(base.commit.id.short) -- \(gitPathWord(baseDirectory)))"
                        + (plan.isNeeded ? ", then run selinon-migrate generate --from \(base.commit.id.short) for the change" : "")))
                if directoryPath == nil { return report }
            }
            guard let directoryPath else {
                if plan.isNeeded {
                    report.problems.append(.init(
                        kind: "missing-migration",
                        message: "\(plan.changedFlowNames.joined(separator: ", ")) changed since \(baseName), and no migration directory is configured",
                        hint: "set global.migration_dir in the nodes file (or pass -m), then run selinon-migrate generate --from \(base.commit.id.short)"))
                } else {
                    report.summary = "no flow change since \(baseName) needs a migration"
                }
                return report
            }
            // What the working tree reads through a link out of the repository, no commit holds.
            report.problems += context.migrationLinksLeavingRepository(in: directoryPath).map {
                .init(kind: $0.kind, message: $0.message, hint: $0.hint, file: $0.file)
            }
            // The options of this run, for the commands the hints give.
            let configurationOptions = location.shellArguments + (migrationDirectory.map { " -m " + shellWord($0) } ?? "")
            let replaying = context.repository.rebasedBranchHead != nil
            let reverting = context.repository.isReverting
            func rebase(onto branch: String) -> String {
                // In the middle of a `git rebase`, HEAD holds the base's migrations and those of the
                // commits already replayed (rebased at their own stops): they stay as committed.
                if replaying && branch != "MERGE_HEAD" {
                    return "selinon-migrate rebase --onto HEAD\(configurationOptions) (a git rebase is under way: HEAD holds "
                        + "\(branch)'s migrations and those of the commits already replayed, which stay as they are)"
                }
                // A `git revert` brings back files an earlier commit had; HEAD holds what is committed.
                if reverting && branch != "MERGE_HEAD" {
                    return "selinon-migrate rebase --onto HEAD\(configurationOptions) (a git revert is under way: HEAD holds the "
                        + "migrations committed so far, which stay as they are)"
                }
                // During a merge only the user knows which side's migrations may be deployed.
                guard branch == "MERGE_HEAD" else { return "selinon-migrate rebase --onto \(shellWord(branch))\(configurationOptions)" }
                return DirectoryIntegrity.mergeChoices(options: configurationOptions)
            }
            if let picked = CherryPickedMigrations.find(in: directoryPath, repository: context.repository) {
                // The gap and the sum's conflict it leaves have one cause, and one fix.
                report.problems.append(.init(kind: "cherry-picked-migration", message: picked.message,
                                             hint: picked.hint(generate: "selinon-migrate generate\(configurationOptions)",
                                                               paths: context.paths, repository: context.repository)))
                return report
            }
            // Its findings (the gap, a sum listing what is gone) would all say "restore".
            if let gap = Self.gapNeitherSideHad(in: directoryPath, base: base, baseName: baseName, context: context) {
                report.problems.append(gap)
                return report
            }
            let integrity = DirectoryIntegrity(path: directoryPath, requireSum: false)
            // The branch that was merged, where the sum's hints can only name it in general.
            // (During a merge, when that is HEAD — the pre-commit hook's --base HEAD, or no --base
            // and no upstream — the branch being merged: rebase refuses a revision that would drop
            // its migrations.)
            let headID = try? context.repository.commit("HEAD").id
            let baseIsHead = base.target.map { $0.1.id == headID } ?? (base.commit.id == headID)
            // (During a git rebase, the fix is the same whatever the base: rebase --onto HEAD.)
            let mergedBranch = context.repository.isMerging && baseIsHead ? "MERGE_HEAD"
                : base.target.map(\.label) ?? (base.fallback == nil ? base.label : replaying ? "the new base" : reverting ? "HEAD" : nil)
            let squashing = context.repository.isSquashMerging
            // Markers a commit recorded: no git operation under way names the sides, that commit does.
            let committedConflict = integrity.findings.contains { $0.hint.contains(MigrationSum.placeholderRebaseCommand) }
                ? CommittedConflict.find(in: directoryPath, repository: context.repository) : nil
            func integrityProblems(except files: Set<String>) -> [CheckReport.Problem] {
                integrity.findings.filter { !files.contains($0.file) }.map { finding in
                    .init(kind: finding.kind, message: finding.message,
                          hint: squashing ? DirectoryIntegrity.duringSquash(finding.hint, command: "selinon-migrate rebase --onto HEAD\(configurationOptions)")
                            : committedConflict.map { DirectoryIntegrity.afterCommitted($0, finding.hint, options: configurationOptions) }
                            ?? mergedBranch.map { branch in
                              // (During a merge the command names both choices and what each keeps, in place of
                              // the hint's own account of what it keeps.)
                              let placeholder = MigrationSum.placeholderRebaseCommand
                              guard branch == "MERGE_HEAD" else { return finding.hint.replacingOccurrences(of: placeholder, with: rebase(onto: branch)) }
                              return DirectoryIntegrity.withRebaseFix(finding.hint, fix: "run " + rebase(onto: branch), command: rebase(onto: branch))
                          } ?? finding.hint,
                          file: finding.file, line: finding.line, column: finding.column)
                }
            }
            if integrity.isUnreadable {
                report.problems += integrityProblems(except: [])
                return report
            }
            let directory = try terminal.loadMigrationDirectory(directoryPath, allowMissing: true)
            var baseFiles: [Int: [UInt8]]
            do {
                baseFiles = try context.migrationFiles(in: directoryPath, at: base.commit)
            } catch {
                throw terminal.fail(error)
            }
            let sumPath = (directoryPath as NSString).appendingPathComponent(MigrationSum.fileName)
            let baseHasSum = (try? context.repository.repositoryPath(of: sumPath)).flatMap { path in
                try? context.repository.file(at: path, in: base.commit.id) } != nil
            let sumLostSinceBase = !integrity.hasSum && !directory.files.isEmpty && !baseFiles.isEmpty && baseHasSum
            if sumLostSinceBase {
                // Without it, edits to the migrations go unseen — and apply refuses the directory.
                report.problems.append(.init(
                    kind: "missing-sum", message: "\(sumPath) existed at \(baseName) but is gone: edits to the migrations cannot be detected",
                    hint: "restore it: git checkout \(base.commit.id.short) -- \(gitPathWord(sumPath)) (then, if this branch added "
                        + "migrations, selinon-migrate rehash -m \(shellWord(directoryPath)))", file: sumPath))
            }
            // The directory moved since: the base's migrations are where the base's configuration
            // kept them (global.migration_dir).
            if baseFiles.isEmpty, let (moved, baseDirectory) = Self.movedMigrations(at: base.commit, configuredThere: old.global.expandedMigrationDirectory,
                                                                                  other: directoryPath, searchingSums: false, context: context) {
                baseFiles = moved
                terminal.message("note: the migration directory moved from \(baseDirectory) (in \(baseName)) to \(directoryPath)")
            }
            let baseLatest = baseFiles.keys.max() ?? 0
            // A flow the base's migrations removed, back now: its return needs a migration too.
            if !plan.addedFlows.isEmpty {
                let baseMigrations = baseFiles.sorted { $0.key < $1.key }.compactMap { try? Migration(selinonJSON: $0.value, file: "") }
                plan = plan.markingReaddedFlows(removedBy: MigrationChain(migrations: baseMigrations))
            }
            for (version, bytes) in baseFiles.sorted(by: { $0.key < $1.key }) {
                let path = MigrationDirectory.filePath(version: version, in: directoryPath)
                guard version <= directory.latestVersion else {
                    report.problems.append(.init(kind: "removed-migration", message: "\(path) existed at \(baseName) but is gone",
                                                 hint: "restore it, with the sum that lists it: git checkout \(base.commit.id.short) -- "
                                                    + "\(gitPathWord(path)) \(gitPathWord(sumPath)) "
                                                    + "(then, if this branch added migrations, selinon-migrate rehash -m \(shellWord(directoryPath)))",
                                                 file: path))
                    continue
                }
                // Compared as the sum compares them: a checkout's CRLF line endings are no change.
                let ours = directory.files[version - 1].bytes
                if MigrationSum.hash(ours) != MigrationSum.hash(bytes) {
                    // Added as a new file on this branch, and the base has another under that number:
                    // both took the number (a merge resolved by keeping this branch's file).
                    if (try? context.repository.addedAsNewFile(path, bytes: ours)) == true {
                        let other = base.target?.label ?? base.label
                        report.problems.append(.init(
                            kind: "conflicting-migration",
                            message: "both this branch and \(baseName) add \(path) (this branch's file is not the one \(baseName) has)",
                            hint: "run: \(rebase(onto: other)) (it keeps \(baseName)'s migrations and regenerates this branch's after them)",
                            file: path))
                        continue
                    }
                    report.problems.append(.init(
                        kind: "changed-migration", message: "\(path) changed since \(baseName); a migration that may have been applied must not change",
                        hint: "restore it, with the sum that lists it as it was: git checkout \(base.commit.id.short) -- \(gitPathWord(path)) "
                            + "\(gitPathWord(sumPath)) (then, if this branch added migrations, selinon-migrate rehash -m \(shellWord(directoryPath))); "
                            + "put the change in a new migration",
                        file: path))
                }
            }
            // Files the comparison with the base already named are not reported again from the sum.
            let named = Set(baseFiles.keys.map { MigrationDirectory.filePath(version: $0, in: directoryPath) })
            report.problems += integrityProblems(except: report.problems.isEmpty ? [] : named)
            let added = directory.files.filter { $0.version > baseLatest }
            report.addedMigrations = added.map(\.path)
            if !integrity.hasSum && !added.isEmpty && !sumLostSinceBase {
                // The migrations came without their sum (not committed with them, an interrupted
                // generate, or a directory that never had one): the deploy's apply would refuse
                // the directory this check lets through.
                let rehash = "selinon-migrate rehash -m \(shellWord(directoryPath))"
                report.problems.append(.init(
                    kind: "missing-sum",
                    message: "there is no \(sumPath), which lists the migrations this branch adds (\(added.map { ($0.path as NSString).lastPathComponent }.joined(separator: ", "))): "
                        + "edits to them cannot be detected, and apply refuses a migration directory without it",
                    hint: baseFiles.isEmpty
                        ? "commit the \(MigrationSum.fileName) that generate wrote next to them (git add \(gitPathWord(sumPath))); if there is none "
                            + "(a generate that was interrupted), run the generate again, or review the migrations and run \(rehash)"
                        : "\(baseName) has migrations but no \(MigrationSum.fileName) either (written by other tools?): review the migrations, "
                            + "run \(rehash) and commit \(gitPathWord(sumPath))",
                    file: sumPath))
            }
            if let (upstream, upstreamCommit) = base.target, upstreamCommit.id != base.commit.id,
               let upstreamFiles = try? context.migrationFiles(in: directoryPath, at: upstreamCommit) {
                // Rebase works on the merge in progress; otherwise the other branch is merged first.
                let merge = context.repository.isMerging ? "" : "merge \(upstream) into this branch (git merge \(shellWord(upstream))), then "
                for file in added where upstreamFiles[file.version].map({ MigrationSum.hash($0) != MigrationSum.hash(file.bytes) }) == true {
                    report.problems.append(.init(
                        kind: "conflicting-migration",
                        message: "both this branch and \(upstream) add \(file.path)",
                        hint: merge + "run: " + rebase(onto: upstream), file: file.path))
                }
            }
            // (A file generated from another configuration can remove a flow the base still has.)
            let (matches, presence) = plan.coverage(by: added.map(\.migration), from: old, oldName: baseName)
            let changedFlows = plan.changeSummaries.joined(separator: "; ")
            let generate = "selinon-migrate generate\(configurationOptions) --from \(base.commit.id.short)"
            var coveredFrom: GitCommit?
            /// Added files that put back migrations a commit of the base deleted (a revert of the
            /// merge that brought them): those may be applied; the files after them are checked.
            var restored: [MigrationDirectory.File] = []
            if !added.isEmpty && !matches {
                coveredFrom = catchUpStart(of: added, after: baseFiles[baseLatest], to: new, baseConfiguration: old, context: context, base: base)
                if coveredFrom == nil {
                    let putBack = Self.restoredMigrations(added, in: directoryPath, base: base, context: context)
                    if let last = putBack.last, putBack.count < added.count {
                        coveredFrom = catchUpStart(of: Array(added.dropFirst(putBack.count)), after: last.bytes, to: new, baseConfiguration: old,
                                                   context: context, base: base)
                        if coveredFrom != nil { restored = putBack }
                    }
                }
            }
            // With a number taken twice, rebase regenerates the branch's migrations from the base's
            // configuration: that is the one fix, and the change is not reported a second time.
            let numberTakenTwice = report.problems.contains(where: { ["conflicting-migration", "merge-conflict"].contains($0.kind) })
            if plan.isNeeded && added.isEmpty && !numberTakenTwice {
                if let replaced = mergedMigrationsNotKept(directory: directory, directoryPath: directoryPath, base: base, context: context) {
                    // Kept this branch's files where the merged branch has others ("ours"): a new
                    // migration on top is right only when the merged branch's were never deployed.
                    report.problems.append(.init(
                        kind: "conflicting-migration",
                        message: "the merge keeps this branch's migrations where MERGE_HEAD, the branch being merged, has others "
                            + "(\(replaced.joined(separator: ", "))), and the change it brings has no migration: \(changedFlows)",
                        hint: "run: \(rebase(onto: "MERGE_HEAD"))"))
                } else {
                    let loader = location.loader(environment: ProcessInfo.processInfo.environment).toleratingTraceErrors
                    if let (commit, parent, before) = context.repository.unmigratedChange(
                        madeBy: base.commit, paths: context.paths, configuration: old, migrations: directory.files, directory: directoryPath,
                        loader: loader) {
                        // The base's own configuration is not where the migrations lead: generate --from
                        // the base refuses until that commit's change is migrated first.
                        let changedThen = MigrationDiffer().plan(from: before, to: old, strategy: .ignore).changedFlowNames
                        report.problems.append(.init(
                            kind: "missing-migration",
                            message: "the configuration changed since \(baseName) without a migration: \(changedFlows); and \(commit.id.short) "
                                + "(\(commit.summary)), which made \(baseName)'s configuration, changed \(changedThen.joined(separator: ", ")) "
                                + "without one",
                            hint: "first migrate that commit's change: selinon-migrate generate\(configurationOptions) --from "
                                + "\(parent.id.short) --to \(commit.id.short); then run: \(generate)"))
                    } else {
                        // Compared with the base branch itself (a shallow clone without the merge base): its newer
                        // changes may read as this branch's; generating from them would revert them.
                        let unsure = base.shallowNote == nil ? "" : "the base is \(base.label) itself, not the merge base (a shallow clone): "
                            + "if this branch is behind \(base.label), that change may be its newer commits read as reverted — fetch the "
                            + "history first (git fetch --unshallow, or fetch-depth: 0 in CI) and check again; if not, "
                        report.problems.append(.init(
                            kind: "missing-migration", message: "the configuration changed since \(baseName) without a migration: \(changedFlows)",
                            hint: unsure + "run: \(generate)"))
                    }
                }
            } else if !matches && coveredFrom == nil && !numberTakenTwice {
                let versions = added.map { "\($0.version).json" }.joined(separator: ", ")
                let expected = plan.isNeeded ? "the change since \(baseName) is: \(changedFlows)" : "nothing since \(baseName) needs a migration"
                report.problems.append(.init(
                    kind: plan.isNeeded || presence != nil ? "stale-migration" : "extra-migration",
                    message: "\(versions) \(added.count == 1 ? "does" : "do") not match the configuration change"
                        + (presence.map { " (\($0))" } ?? "") + "; \(expected)",
                    hint: "delete \(versions)" + (baseHasSum ? ", restore the sum (git checkout \(base.commit.id.short) -- \(gitPathWord(sumPath)))"
                        : " and the sum, which \(baseName) does not have (rm \(shellWord(sumPath)))")
                        + (plan.isNeeded ? " and run: \(generate)" : "")
                        // Generated on a branch that is behind: regenerating there keeps it behind.
                        + (base.target.map { target in "; if the branch was made before \(target.label) changed the flows, merge "
                            + "\(target.label) into it first (git merge \(shellWord(target.label))), then run: \(rebase(onto: target.label))" } ?? "")))
            }
            if report.problems.isEmpty {
                let names = added.map { ($0.path as NSString).lastPathComponent }.joined(separator: ", ")
                let covers = "cover\(added.count == 1 ? "s" : "")"
                if let coveredFrom, !restored.isEmpty {
                    let putBack = restored.map { ($0.path as NSString).lastPathComponent }.joined(separator: ", ")
                    let newOnes = added.dropFirst(restored.count).map { ($0.path as NSString).lastPathComponent }.joined(separator: ", ")
                    report.summary = "\(putBack) \(restored.count == 1 ? "puts" : "put") back what a commit of \(baseName)'s history deleted "
                        + "(deployments may have applied \(restored.count == 1 ? "it" : "them")), and \(newOnes) "
                        + "cover\(added.count - restored.count == 1 ? "s" : "") the change since \(coveredFrom.id.short) (\(coveredFrom.summary)), "
                        + "where \(restored.count == 1 ? "it leads" : "they lead")"
                } else if let coveredFrom {
                    report.summary = "\(names) \(covers) the change since \(coveredFrom.id.short) (\(coveredFrom.summary))"
                        + (baseFiles.isEmpty ? " as the first migration of \(baseName)'s history" : ", where the migrations of \(baseName) end")
                        + "; \(baseName) changed the configuration since without a migration"
                } else {
                    report.summary = added.isEmpty ? "no flow change since \(baseName) needs a migration" : "\(names) \(covers) the change since \(baseName)"
                }
            }
            return report
        }

        /// `--staged`: the configuration's files (with `configuration`) and the migration files in
        /// `directoryPath` whose working-tree content is not staged. What was checked is the
        /// working tree; a commit holds the index.
        private func unstagedProblems(configuration: Bool, directoryPath: String?, context: GitContext,
                                      terminal: Terminal) throws -> [CheckReport.Problem] {
            let changes: [UnstagedChange]
            let migrationPath: String?
            do {
                migrationPath = try directoryPath.map { path throws(GitError) in try context.repository.repositoryPath(of: path) }
                changes = try context.repository.unstagedChanges(under: (configuration ? [context.paths.nodesFile] + context.paths.flowPaths : [])
                                                                     + (migrationPath.map { [$0] } ?? []))
            } catch {
                throw terminal.fail(error)
            }
            let root = context.repository.workingDirectory ?? ""
            let current = FileManager.default.currentDirectoryPath
            // As the current directory sees it, for the hint's git command.
            func relativePath(_ path: String) -> String {
                path.hasPrefix(current + "/") ? String(path.dropFirst(current.count + 1)) : path
            }
            return changes.compactMap { change -> CheckReport.Problem? in
                let name = (change.path as NSString).lastPathComponent
                let inMigrations = migrationPath.map { change.path.hasPrefix($0 == "" ? "" : $0 + "/") } ?? false
                // Only the files check reads: flow files; in the migration directory its direct,
                // not hidden `*.json` children (what the sum covers) and the sum.
                let migrationFile = migrationPath.map { parentDirectory(of: change.path) == $0 } == true
                    && ((!name.hasPrefix(".") && name.hasSuffix(".json")) || name == MigrationSum.fileName)
                let read = change.path == context.paths.nodesFile || context.paths.flowPaths.contains(change.path)
                    || (inMigrations ? migrationFile : ConfigurationPaths.isFlowFileName(name))
                guard read else { return nil }
                let path = relativePath(root + "/" + change.path)
                let shown = shellWord(path)
                let what: String
                switch change.kind {
                case .modified: what = "has changes that are not staged"
                case .deleted: what = "is deleted but the deletion is not staged"
                case .untracked: what = "is not added to git"
                case .conflicted: what = "has an unresolved merge conflict"
                }
                return .init(kind: "unstaged-change", message: "\(shown) \(what): the commit would not hold what was checked",
                             hint: change.kind == .deleted ? "stage the deletion (git rm \(shown)), or restore the file"
                                : "stage it (git add \(shown)), or set unstaged changes aside (git stash --keep-index --include-untracked) and check again",
                             file: path)
            }
        }

        /// With `--staged`, when git reports no unstaged change at the configuration's paths: whether
        /// the configuration git would commit (the index) has the working tree's edges. It may not,
        /// through files git does not see as changed — behind a symbolic link, ignored, in a
        /// nested repository, marked skip-worktree or assume-unchanged. A working tree that does
        /// not load is left to the check itself, which reports it.
        private func indexDifferences(workingTree: some ConfigurationSource, context: GitContext,
                                      loader: ConfigurationLoader) -> [CheckReport.Problem] {
            guard let inTree = try? loader.load(workingTree.read()).configuration else { return [] }
            let index = GitConfigurationSource(repository: context.repository, paths: context.paths, location: .index)
            let unseen = "a file it reads is one git does not see as changed (behind a symbolic link, ignored, in a nested "
                + "repository, or marked skip-worktree or assume-unchanged)"
            let hint = "stage the files the configuration reads (git add -f PATH for an ignored one; git update-index "
                + "--no-skip-worktree --no-assume-unchanged PATH for a marked one; the target of a symbolic link), then check again"
            guard let inIndex = try? loader.load(index.read()).configuration else {
                return [.init(kind: "unstaged-change", message: "the configuration as it would be committed (the git index) does not load, "
                    + "while the working tree's does: " + unseen, hint: hint)]
            }
            func sameEdges(_ first: FlowDefinition?, _ second: FlowDefinition?) -> Bool {
                guard let first, let second else { return first == nil && second == nil }
                return first.edges.count == second.edges.count && first.edges.indices.allSatisfy { index in
                    let one = first.edges[index], other = second.edges[index]
                    return one.from == other.from && one.to == other.to && one.conditionValue == other.conditionValue
                        && one.foreach == other.foreach && one.selective == other.selective
                }
            }
            let differing = Set(inTree.flows.keys).union(inIndex.flows.keys).sorted().filter { !sameEdges(inTree.flows[$0], inIndex.flows[$0]) }
            guard !differing.isEmpty else { return [] }
            let named = differing.prefix(5).map { "'\($0)'" }.joined(separator: ", ") + (differing.count > 5 ? ", …" : "")
            return [.init(kind: "unstaged-change",
                          message: "the edges of \(named) differ between the working tree and what git would commit (the index), though git "
                            + "reports no unstaged change at the configuration's paths: " + unseen,
                          hint: hint)]
        }

        /// During a merge (`MERGE_HEAD`) that brings migrations the base does not have, when the
        /// working tree keeps them as they are (as `rebase --onto` leaves it): the merged branch,
        /// as the base. Its migrations were reviewed there; this branch's follow them and must
        /// cover the change from its configuration — what `--base` with that branch checks.
        /// Compared with the base instead, they would read as edits of this branch's migrations.
        private func mergedBranchBase(over base: BranchBase, directoryPath: String, context: GitContext) -> BranchBase? {
            let repository = context.repository
            guard repository.isMerging, let mergeHead = try? repository.commit("MERGE_HEAD"),
                  (try? repository.mergeBase(base.commit.id, mergeHead.id)) != mergeHead.id,
                  let mergedFiles = try? context.migrationFiles(in: directoryPath, at: mergeHead),
                  let baseFiles = try? context.migrationFiles(in: directoryPath, at: base.commit),
                  mergedFiles.contains(where: { baseFiles[$0.key].map(MigrationSum.hash) != MigrationSum.hash($0.value) })
            else { return nil }
            let keptAsMerged = mergedFiles.allSatisfy { version, bytes in
                FileManager.default.contents(atPath: MigrationDirectory.filePath(version: version, in: directoryPath))
                    .map { MigrationSum.hash([UInt8]($0)) == MigrationSum.hash(bytes) } ?? false
            }
            // The branch asked for (or the upstream) stays the one whose numbers must not be taken
            // twice; without one — or when it is HEAD itself, as the pre-commit hook's --base HEAD
            // gives it: this branch, whose own files the merge replaces — hints name MERGE_HEAD,
            // which rebase --onto reads during the merge.
            let headID = try? repository.commit("HEAD").id
            let target = base.target.flatMap { $0.1.id == headID ? nil : $0 } ?? ("MERGE_HEAD", mergeHead)
            return keptAsMerged ? BranchBase(commit: mergeHead, label: "MERGE_HEAD, the branch being merged", target: target) : nil
        }

        /// During a merge (`MERGE_HEAD`) compared with a base that is not the merged branch: the
        /// merged branch's migration files that the working tree does not hold as they are there
        /// (a conflict resolved by keeping this branch's files), or nil when it holds them all.
        private func mergedMigrationsNotKept(directory: MigrationDirectory, directoryPath: String, base: BranchBase,
                                             context: GitContext) -> [String]? {
            let repository = context.repository
            guard repository.isMerging, let mergeHead = try? repository.commit("MERGE_HEAD"), mergeHead.id != base.commit.id,
                  let mergedFiles = try? context.migrationFiles(in: directoryPath, at: mergeHead) else { return nil }
            let notKept = mergedFiles.keys.sorted().filter { version in
                let kept = version <= directory.latestVersion ? MigrationSum.hash(directory.files[version - 1].bytes) : nil
                return kept != MigrationSum.hash(mergedFiles[version]!)
            }
            return notKept.isEmpty ? nil : notKept.map { MigrationDirectory.filePath(version: $0, in: directoryPath) }
        }

        /// How many of the base's configuration changes `catchUpStart` looks back through.
        static let catchUpDepth = 50

        /// How far back ``restoredMigrations(_:in:base:context:)`` looks for a deleted file.
        static let restoredSearchDepth = 200

        /// The leading files of `added` (those after the base's latest) that the base's
        /// first-parent history had with the same content before a commit deleted them — as
        /// `git revert` of the merge that brought them does, though deployments may have applied
        /// them. Looks back at most ``restoredSearchDepth`` commits.
        static func restoredMigrations(_ added: [MigrationDirectory.File], in directoryPath: String, base: BranchBase,
                                       context: GitContext) -> [MigrationDirectory.File] {
            var restored: [MigrationDirectory.File] = []
            for file in added {
                guard let path = try? context.repository.repositoryPath(of: file.path) else { break }
                let hash = MigrationSum.hash(file.bytes)
                var commit = base.commit
                var found = false
                for _ in 0..<restoredSearchDepth {
                    guard let parentID = commit.parents.first, let parent = try? context.repository.commit(id: parentID) else { break }
                    if let bytes = try? context.repository.file(at: path, in: parent.id), MigrationSum.hash(bytes) == hash {
                        found = true
                        break
                    }
                    commit = parent
                }
                guard found else { break }
                restored.append(file)
            }
            return restored
        }

        /// The revision the added migrations start from when they catch up with changes the base
        /// made without a migration (generated with `--from` that revision, as `generate` advises):
        /// the first added migration starts from the configuration the base's newest migration
        /// leads to (their `_meta` digests), or from a later one with the same edges (a condition
        /// changed since) — any, when the base has no migrations yet (`baseNewest` nil) —, that configuration is in the base's history (at the commit the
        /// first file's `_meta.old` names, else the newest with it) and the history does not
        /// reach the configuration the files lead to on the way from there, and the added
        /// migrations, composed, are what `generate` writes from it to the working tree.
        private func catchUpStart(of added: [MigrationDirectory.File], after baseNewest: [UInt8]?, to new: Configuration,
                                  baseConfiguration: Configuration, context: GitContext, base: BranchBase) -> GitCommit? {
            guard let start = added.first?.migration.metadata?["digests"]?["old"]?.stringValue else { return nil }
            // Where the base's migrations lead: the start, or a configuration with the same edges
            // (a condition changed since, a flow added), checked below.
            var leadsTo: String?
            if let baseNewest {
                guard let newest = try? Migration(selinonJSON: baseNewest, file: "-"),
                      let destination = newest.metadata?["digests"]?["new"]?.stringValue else { return nil }
                leadsTo = destination
            }
            // The first is the base's own configuration.
            guard let commits = try? context.repository.commitsChanging(context.paths, from: base.commit.id, limit: Self.catchUpDepth + 1) else {
                return nil
            }
            let loader = location.loader(environment: ProcessInfo.processInfo.environment, checksConsistency: false).toleratingTraceErrors
            // The start as verify --git matches it: the commit that made the configuration the first file's _meta.old
            // names, else the newest with its digest.
            let recordedBase = MigrationHistoryCheck.RecordedChange(version: 1, migration: added[0].migration)?.base.map { base in
                context.repository.commitMakingConfiguration(at: base, paths: context.paths)?.id.hex ?? base
            }
            let newDigest = StructureDigest.digest(of: new)
            // The digests of the configurations after the start, newest first (the base's own only when the files lead past it).
            var passed = newDigest == StructureDigest.digest(of: baseConfiguration) ? [] : [StructureDigest.digest(of: baseConfiguration)]
            var candidate: (commit: GitCommit, configuration: Configuration, passed: [String])?
            var destination: Configuration?
            var settled = false
            for commit in commits.dropFirst() {
                guard let configuration = try? context.configuration(at: commit, loader: loader) else { continue }
                let digest = StructureDigest.digest(of: configuration)
                if digest == start && !settled {
                    let isRecorded = recordedBase.map { commit.id.hex.hasPrefix($0) } ?? true
                    if candidate == nil || isRecorded { candidate = (commit, configuration, passed) }
                    settled = isRecorded
                }
                // (At the start or before it: where the base's migrations end.)
                if digest == leadsTo && candidate != nil && destination == nil { destination = configuration }
                if settled && (leadsTo == nil || destination != nil) { break }
                passed.append(digest)
            }
            guard let (commit, configuration, between) = candidate,
                  // The base's migrations end at the start, or where in-flight flows have its edges.
                  leadsTo == nil || leadsTo == start
                    || destination.map({ !MigrationDiffer().plan(from: $0, to: configuration, strategy: .ignore).isNeeded }) == true,
                  // Through the configuration the files lead to on the way, verify --git would match them to end there.
                  !between.contains(newDigest),
                  // Only a change of the base's that needed a migration is caught up: one that needed
                  // none (a starting edge appended) ran at that version, and the files must start from it.
                  MigrationDiffer().plan(from: configuration, to: baseConfiguration, strategy: .ignore).isNeeded else { return nil }
            let expected = MigrationDiffer().plan(from: configuration, to: new, strategy: .ignore).migration
            let composed = Migration.composedEffect(of: added.map(\.migration), edgeCounts: configuration.flows.mapValues(\.edges.count))
            return Migration(flows: composed, strategy: .ignore).hasSameEffect(as: expected) ? commit : nil
        }
    }
}

/// What `check` found.
struct CheckReport: Encodable {
    struct Problem: Encodable {
        var kind: String
        var message: String
        var hint: String
        /// The file the problem is in, and where in it, when it is about one (for annotations in
        /// CI); absent otherwise.
        var file: String? = nil
        var line: Int? = nil
        var column: Int? = nil
    }

    /// The base commit; `nil` (written as `null`) in a repository with no commits yet.
    var base: String?
    var summary: String
    var problems: [Problem]
    var addedMigrations: [String]
    /// What the comparison could not see (the base fell back to HEAD; a shallow clone), when so.
    var note: String?

    private enum CodingKeys: String, CodingKey {
        case base, summary, problems, addedMigrations, note
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(base, forKey: .base)  // null rather than absent: the key is always there
        try container.encode(summary, forKey: .summary)
        try container.encode(problems, forKey: .problems)
        try container.encode(addedMigrations, forKey: .addedMigrations)
        try container.encodeIfPresent(note, forKey: .note)
    }
}

