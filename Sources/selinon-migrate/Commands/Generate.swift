import ArgumentParser
import FlowConfig
import FlowMigration
import Foundation
import GitHistory
import MigrationGenerator

extension SelinonMigrate {
    /// `generate`: write the next numbered migration file for a configuration change.
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Write the next numbered migration file for a change of the flow configuration.",
            // Written out: past 12 options the parser would shorten it to "generate <options>".
            usage: """
                selinon-migrate generate -N <file> -F <path> ... -n <file> -f <path> ... [-m <dir>] [-t <tainted-flows>] \
                [--no-meta] [--dry-run] [--no-check] [--format <format>] [--max-file-size <size>]
                selinon-migrate generate -n <file> -f <path> ... [--git] [--from <revision>] [--to <revision>] [-m <dir>] \
                [-t <tainted-flows>] [--no-meta] [--dry-run] [--no-check] [--format <format>] [--max-file-size <size>]
                """,
            discussion: """
                Compares the old configuration (-N/-F, the one in-flight flows started with) with \
                the new one (-n/-f), and writes N.json — how each old edge index maps to the new \
                edges, which edges taint a flow that already fired them and which nodes taint a flow \
                that already ran them — into the migration directory (-m, else global.migration_dir \
                of the new nodes file). Prints the file written and one line per changed flow; \
                warnings (changed conditions, new starting edges, removed flows) go to standard error.

                Example (from the repository's root; migrations/ there already continues past v2, \
                so -m names a directory of its own):
                  selinon-migrate generate \\
                      -N examples/package-analysis/v1/nodes.yml \\
                      -F examples/package-analysis/v1/flows \\
                      -n examples/package-analysis/v2/nodes.yml \\
                      -f examples/package-analysis/v2/flows \\
                      --tainted-flows RETRY -m /tmp/example-migrations

                Without -N/-F, inside a git repository, the old configuration is the newest commit \
                that changed it and the new one the working tree: edit, generate, then commit both. \
                --from and --to choose any revisions ('--to index' for the staged files).

                With --dry-run the file's exact bytes go to standard output and nothing is written \
                (messages go to standard error); the migration directory, when there is one, is \
                checked as for a real run, and a migration a real run would refuse (it would not \
                continue the directory's latest one, or that one is not listed in migrations.sum) is \
                shown with the reason and exit code 1. When \
                nothing needs a migration, nothing is written.

                Exit codes: 0 written (or, for a dry run, would be), or no migration needed; 1 a \
                configuration or the migration directory is invalid, the migration would not \
                continue the latest one, the last commit that changed the configuration has no \
                migration that fits it (the note says how to generate it), or git cannot resolve --from \
                or --to; 2 the file could not be written, or git \
                failed (also a revision a shallow clone lacks); 64 usage error (also: no -N/-F, and the nodes \
                file is in no git repository to read the old configuration from).
                """)

        @OptionGroup(title: "New configuration") var location: ConfigLocationOptions
        @OptionGroup(title: "Old configuration") var old: OldConfigOptions
        @OptionGroup(title: "Git (instead of -N/-F)") var git: GitOptions

        @Option(name: [.customShort("m"), .customLong("migration-dir")],
                help: ArgumentHelp("The migration directory (default: global.migration_dir of the new nodes file).", valueName: "dir"))
        var migrationDirectory: String?

        @Option(name: [.customShort("t"), .customLong("tainted-flows")],
                help: "What Selinon does with a flow this migration taints.")
        var strategy: TaintedFlowStrategy = .ignore

        @Flag(name: .customLong("no-meta"), help: "Leave out _meta (provenance, date, host): the file depends only on the configurations.")
        var noMeta = false

        @Flag(name: .customLong("dry-run"), help: "Print the file's bytes to standard output instead of writing it.")
        var dryRun = false

        @Flag(name: .customLong("no-check"), help: ArgumentHelp(
            "Skip Selinon's consistency check of both configurations, and take errors in the new one's global.trace as warnings.",
            discussion: "A migration depends on the flows' edges alone: tracing changes none. The old configuration's global.trace "
                + "is always read so (an earlier Selinon may have run it with its own forms, such as trace: true); the new one must "
                + "suit Selinon 1.4's workers, which do not start on those."))
        var noCheck = false

        @Option(help: "Output format: text, or json (a report; with --dry-run it includes the migration).")
        var format: OutputFormat = .text

        func validate() throws {
            try validateMigrationDirectory(migrationDirectory)
            if old.oldNodesDefinition != nil && git.isRequested {
                throw ValidationError("--git, --from and --to take the old configuration from git; they cannot be combined with -N/-F.")
            }
        }

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let terminal = Terminal(environment: environment, reportsInJSON: format == .json)
            let (oldSource, newSource) = try sources(environment: environment, terminal: terminal)
            let checking = location.loader(environment: environment, checksConsistency: !noCheck)
            let loader = noCheck ? checking.toleratingTraceErrors : checking
            let (oldConfiguration, newConfiguration) = try await terminal.loadConfigurations(
                old: oldSource, new: newSource, with: loader, offersNoCheck: true)

            var plan = MigrationDiffer().plan(from: oldConfiguration, to: newConfiguration, strategy: strategy)
            // A flow a migration removed, back in the new configuration: the next file must say so.
            if !plan.addedFlows.isEmpty, let directory = migrationDirectory ?? newConfiguration.global.expandedMigrationDirectory,
               let existing = try? MigrationDirectory.load(from: directory, allowMissing: true) {
                plan = plan.markingReaddedFlows(removedBy: MigrationChain(directory: existing))
            }
            if !plan.warnings.isEmpty { terminal.message(MigrationWarning.describing(plan.warnings)) }

            // Without _meta a removal (or a return) cannot be recorded: as Selinon, no file (D-13).
            let removalOnly = plan.recordsPresenceOnly
            let unrecordedRemoval = noMeta && removalOnly
                ? (plan.removedFlows.isEmpty ? "" : "with --no-meta the removal of \(plan.removedFlows.joined(separator: ", ")) cannot be recorded; "
                    + "no file is written, and apply will not fail their in-flight flows")
                    + (plan.readdedFlows.isEmpty ? "" : (plan.removedFlows.isEmpty ? "" : "; ") + "with --no-meta the return of "
                        + "\(plan.readdedFlows.joined(separator: ", ")), which a migration removed, cannot be recorded; no file is written, "
                        + "and apply will go on failing their new runs")
                : nil
            if let unrecordedRemoval { terminal.message("warning: " + unrecordedRemoval) }
            // The old configuration is the newest committed change (the default git comparison).
            let lastChange = old.oldNodesDefinition == nil && git.from == nil && git.comparesWithUncommitted
                ? oldSource as? GitConfigurationSource : nil
            guard plan.isNeeded && !(noMeta && removalOnly) else {
                let noteDirectory = migrationDirectory ?? newConfiguration.global.expandedMigrationDirectory
                if lastChange != nil, let noteDirectory {
                    // The note below looks there for the migration of the last change: from a
                    // subdirectory, not where the history is (it would say none was added).
                    try terminal.refuseMisplacedMigrationDirectory(noteDirectory, configuration: location.nodesDefinition
                        ?? environment["SELINON_NODES_DEFINITION"])
                }
                // The last commit itself may need the migration (committed before generating).
                var lastChangeNote: String?
                if let lastChange {
                    let flowOptions = location.flowDefinitions.map { " -f " + shellWord($0) }.joined()
                    let options = "\(location.nodesDefinition.map { " -n " + shellWord($0) } ?? "")\(flowOptions)"
                        + (migrationDirectory.map { " -m " + shellWord($0) } ?? "")
                    lastChangeNote = terminal.unmigratedLastChangeNote(lastChange, configuration: oldConfiguration, loader: loader,
                                                                       migrationDirectory: noteDirectory, options: options)
                }
                // A removal --no-meta cannot record needs a migration all the same: not "no changes";
                // nor does a last commit that changed flows without its migration.
                let nothing = unrecordedRemoval != nil ? "No migration file written (see the warning)"
                    : lastChangeNote != nil ? "No migration file written: nothing changed since the last commit that changed the "
                        + "configuration, but that commit's change has no migration that fits it (see the note)"
                    : "No flow changes need a migration"
                if format == .json {
                    var report = GenerateReport(plan: plan, written: nil, migration: nil)
                    report.lastChangeNote = lastChangeNote
                    if unrecordedRemoval != nil {
                        report.warnings += plan.removedFlows.map { flow in
                            .init(kind: "removal-not-recorded", flow: flow, edge: nil, message: "with --no-meta the removal of \(flow) cannot be "
                                + "recorded; no file is written, and apply will not fail its in-flight flows")
                        } + plan.readdedFlows.map { flow in
                            .init(kind: "return-not-recorded", flow: flow, edge: nil, message: "with --no-meta the return of \(flow), which a "
                                + "migration removed, cannot be recorded; no file is written, and apply will go on failing its new runs")
                        }
                    }
                    terminal.outputJSON(text: try report.json())
                } else if dryRun {
                    terminal.message(nothing)
                } else {
                    terminal.output(nothing)
                }
                if let lastChangeNote {
                    terminal.message(lastChangeNote)
                    // The repository lacks a migration its configuration needs (and may have lost
                    // files deployments applied): `generate && git commit` must not go on.
                    throw ExitStatus.inputFailed
                }
                return
            }
            // Both configurations' structure digests, computed once and only when needed (metadata, continuity).
            var digests: (old: String, new: String)?
            func structureDigests() -> (old: String, new: String) {
                if let digests { return digests }
                let computed = (old: StructureDigest.digest(of: oldConfiguration), new: StructureDigest.digest(of: newConfiguration))
                digests = computed
                return computed
            }
            var migration = plan.migration
            if !noMeta {
                migration.metadata = MigrationMetadata(
                    toolVersion: ToolVersion.current, oldSource: oldSource.sourceDescription,
                    newSource: newSource.sourceDescription,
                    oldDigest: structureDigests().old, newDigest: structureDigests().new,
                    warnings: plan.warnings,
                    edgeCounts: MigrationMetadata.edgeCounts(old: oldConfiguration, new: newConfiguration),
                    date: Date(), host: ProcessInfo.processInfo.hostName,
                    user: userName(environment: environment)
                ).jsonValue
            }
            // A dry run checks the directory as the real run would (when there is one to check).
            let hasDirectory = migrationDirectory != nil || newConfiguration.global.migrationDirectory != nil
            var directoryWarnings: [String] = []
            let directory = !dryRun || hasDirectory
                ? try migrationDirectoryPath(old: oldConfiguration, new: newConfiguration, environment: environment, terminal: terminal,
                                             warnings: &directoryWarnings)
                : nil
            /// The JSON report from here on, with the directory's warnings.
            func jsonReport(written: WrittenMigration? = nil, migration: Migration? = nil) -> GenerateReport {
                var report = GenerateReport(plan: plan, written: written, migration: migration)
                report.migrationDirectoryWarnings = directoryWarnings.isEmpty ? nil : directoryWarnings
                return report
            }
            // Held from before the directory is read until the process ends: another generate,
            // rehash or rebase is refused meanwhile, and this one is refused while one runs.
            let directoryLock = dryRun ? nil : try directory.map(terminal.lockMigrationDirectory)
            defer { withExtendedLifetime(directoryLock) {} }
            var coveredBy: (path: String, strategy: TaintedFlowStrategy)?
            /// Why a real run would refuse this migration (a dry run goes on to show it).
            var refusal: String?
            if let directory {
                // A rebase killed while it swapped the directory: the history is put back before it is read.
                if !dryRun, let note = DirectoryReplacement.recoverInterruptedReplacement(of: directory) { terminal.message(note) }
                try terminal.refuseMisplacedMigrationDirectory(directory, configuration: location.nodesDefinition
                    ?? environment["SELINON_NODES_DEFINITION"])
                terminal.warnIfMigrationDirectoryLeavesRepository(directory, configuration: location.nodesDefinition
                    ?? environment["SELINON_NODES_DEFINITION"])
                try Self.refuseMissingCommittedDirectory(directory, sources: [oldSource, newSource], terminal: terminal)
                try Self.refuseCherryPickedMigrations(in: directory, sources: [oldSource, newSource], terminal: terminal,
                                                      command: "selinon-migrate generate" + location.shellArguments
                                                          + (migrationDirectory.map { " -m " + shellWord($0) } ?? ""))
                // The migrations already there, read once for the checks below (a directory that
                // cannot be loaded is reported when the file is written).
                let existing = (try? MigrationDirectory.load(from: directory, allowMissing: true))?.files ?? []
                if let lastChange, let leading = try Self.refuseMergeBringingMigrations(
                    into: directory, latest: existing.last, lastChange: lastChange, newDigest: structureDigests().new, terminal: terminal) {
                    if format == .json {
                        var report = jsonReport()
                        report.coveredBy = leading
                        terminal.outputJSON(text: try report.json())
                    } else {
                        let merge = lastChange.repository.isSquashMerging ? "a git merge --squash is under way"
                            : "a merge is under way: its migrations follow the merged ones"
                        terminal.message("\(leading) already leads to this configuration (\(merge)); nothing to generate — commit the merge")
                    }
                    return
                }
                if let committed = oldSource as? GitConfigurationSource, !existing.isEmpty {
                    try Self.refuseUnmigratedChange(of: committed, configuration: oldConfiguration, migrations: existing, in: directory,
                                                    loader: loader, terminal: terminal,
                                                    command: "selinon-migrate generate" + location.shellArguments)
                }
                switch try checkContinuity(in: directory, files: existing, old: oldConfiguration, digests: structureDigests,
                                           oldSource: oldSource.sourceDescription, terminal: terminal) {
                case .continues:
                    if let committed = oldSource as? GitConfigurationSource, let latest = existing.last {
                        refusal = try refuseSpanTakingInLatest(latest, in: directory, old: committed, configuration: oldConfiguration,
                                                               oldDigest: structureDigests().old, new: newSource, loader: loader,
                                                               terminal: terminal)
                    }
                case .covered(let path, let strategy): coveredBy = (path, strategy)
                case .refused(let reason): refusal = reason
                }
            }
            // The latest file is this very change: a second copy would move in-flight edges twice.
            if let coveredBy, let directory {
                // A run killed between writing the file and listing it in the sum: finish it (a
                // dry run says that a real run would).
                if let finished = dryRun ? MigrationWriter().wouldFinishInterruptedWrite(of: migration, inDirectory: directory)
                    : try Self.finishInterruptedWrite(of: migration, in: directory, holding: directoryLock, terminal: terminal, concrete: {
                        withConcreteRebase($0, in: directory, sources: [oldSource, newSource])
                    }) {
                    terminal.message("note: \(finished) was written by a generate that was interrupted before it listed the file in "
                        + "\(MigrationSum.fileName); " + (dryRun ? "a real run would list it" : "listed it now"))
                } else if let unlisted = Self.unlistedInSum(coveredBy.path, directory: directory) {
                    // Not this run's file as written (edited, or another strategy), or the sum lacks others too.
                    terminal.message("""
                        error: \(coveredBy.path) already migrates this change, but \(unlisted); nothing was written
                          hint: check the directory (selinon-migrate verify -m \(shellWord(directory))); if \((coveredBy.path as NSString).lastPathComponent) \
                        is the migration that was reviewed: selinon-migrate rehash -m \(shellWord(directory))
                        """)
                    refusal = "\(coveredBy.path) already migrates this change, but \(unlisted)"
                } else {
                    // Nothing to write, but a directory a write would be refused into is said (verify names the rest).
                    for finding in DirectoryIntegrity(path: directory, requireSum: true).findings {
                        let warning = withConcreteRebase(finding.described(as: "warning"), in: directory, sources: [oldSource, newSource])
                        terminal.message(warning)
                        directoryWarnings.append(warning)
                    }
                }
            }
            // A real run stops at a refusal (after saying why), with the report for --format json;
            // a dry run shows the migration first.
            if let refusal, !dryRun {
                if format == .json {
                    var report = jsonReport()
                    report.refused = refusal
                    terminal.outputJSON(text: try report.json())
                }
                throw ExitStatus.inputFailed
            }
            if let coveredBy {
                let written = dryRun ? "a real run would write nothing (the migration it would be follows)" : "no new migration was written"
                if format == .text && refusal == nil {
                    terminal.message("\(coveredBy.path) already migrates this change (generated between the same configurations); \(written)")
                    // The same change with another strategy is still the same change: say how to get the one asked for.
                    if coveredBy.strategy != strategy {
                        terminal.message("note: its tainted_flow_strategy is \(coveredBy.strategy.rawValue), not \(strategy.rawValue) as this run "
                            + "would write; if no deployment has applied it yet, remove it, run selinon-migrate rehash, and generate again")
                    }
                }
                if !dryRun {
                    if format == .json {
                        var report = jsonReport()
                        report.coveredBy = coveredBy.path
                        terminal.outputJSON(text: try report.json())
                    }
                    return
                }
            }
            if dryRun {
                var version: Int?
                var repeated: Int?
                if let directory, coveredBy == nil, refusal == nil {
                    do {
                        version = try MigrationWriter().nextVersion(inDirectory: directory)
                        repeated = try MigrationWriter().repeatedVersion(of: migration, inDirectory: directory)
                    } catch {
                        throw Self.report(error, directory: directory, terminal: terminal) { withConcreteRebase($0, in: directory, sources: [oldSource, newSource]) }
                    }
                    if let reason = Self.whyNotWritable(directory) {
                        terminal.message("warning: a real run could not write into \(directory): \(reason)")
                    }
                }
                if format == .json {
                    var report = jsonReport(migration: migration)
                    report.version = version
                    report.coveredBy = coveredBy?.path
                    report.refused = refusal
                    report.repeats = repeated
                    terminal.outputJSON(text: try report.json())
                } else {
                    if let directory, let version {
                        terminal.message("would write \(MigrationDirectory.filePath(version: version, in: directory))")
                        if let repeated {
                            terminal.message("warning: it would change flows exactly as \(repeated).json does; "
                                + Self.repeatedMigrationAdvice)
                        }
                    }
                    if refusal != nil {
                        terminal.message("a real run would write nothing; the migration it refuses follows")
                    }
                    Terminal.writeOutput(migration.selinonJSON())
                }
                // As the real run would end.
                if refusal != nil { throw ExitStatus.inputFailed }
                return
            }
            guard let directory else { return }  // only a dry run goes without a directory, and it returned above
            let isNewDirectory = !FileManager.default.fileExists(atPath: directory)
            let written: WrittenMigration
            do {
                InterruptCleanup.say(onInterrupt: "interrupted: no migration was written", ignoringClosedPipes: false)
                // With signals held off: the file and its line in the sum are written (moments) or
                // nothing is — no temporary file left behind, no file without its line.
                let writer = MigrationWriter(holding: directoryLock)
                written = try InterruptCleanup.holdingSignals({ () throws(MigrationWriteError) in
                    try writer.write(migration, toDirectory: directory)
                }) { written in
                    "interrupted: \(written.path) was written and listed in \(MigrationSum.fileName) "
                        + "(selinon-migrate verify -m \(shellWord(directory)) shows it)"
                }
            } catch {
                throw Self.report(error, directory: directory, terminal: terminal) { withConcreteRebase($0, in: directory, sources: [oldSource, newSource]) }
            }
            if isNewDirectory {
                terminal.message("note: created the migration directory \(directory) (a new migration history starts at 1.json)")
            }
            if let repeated = written.repeatedVersion {
                terminal.message("warning: \(written.path) changes flows exactly as \(repeated).json does; " + Self.repeatedMigrationAdvice)
            }
            // The file is there whatever happens to the report of it.
            let writtenAllTheSame = "the migration was written all the same: \(written.path), listed in \(MigrationSum.fileName) "
                + "(selinon-migrate verify -m \(shellWord(directory)) shows it)"
            switch format {
            case .text:
                let lines = ["Wrote \(ConfigDiagnostic.printable(written.path, limit: .max))"] + plan.changeSummaries.map { "  " + $0 }
                terminal.output(lines.joined(separator: "\n"), ifLost: writtenAllTheSame)
                // What to do next (review reads the configurations _meta names, from here).
                let sum = (directory as NSString).appendingPathComponent(MigrationSum.fileName)
                terminal.message("next: review it (selinon-migrate review \(written.version) -m \(shellWord(directory)))"
                    + (oldSource is GitConfigurationSource && newSource is FileSystemConfigurationSource
                        ? ", then commit \(shellWord(written.path)) and \(shellWord(sum)) with the configuration change" : ""))
            case .json:
                var report = jsonReport(written: written)
                report.repeats = written.repeatedVersion
                terminal.outputJSON(text: try report.json(), ifLost: writtenAllTheSame)
            }
        }

        /// Checks that the new migration continues the directory's latest one, from what that
        /// migration's `_meta` records:
        ///
        /// - A second migration from the configuration the latest one already starts from (same
        ///   old digest) is refused — typically `generate` run again after more edits before
        ///   committing. Written anyway, it would migrate flows that the latest migration already
        ///   moved on. The same change generated again writes nothing.
        /// - An old configuration that cannot be the one the latest migration leads to — a flow
        ///   it leaves with more edges has fewer here, or is missing — is refused: in-flight
        ///   flows at that version use the other configuration's edge indices. (Only counts can
        ///   prove it: conditions may change, flows be added and starting edges appended without
        ///   a migration, so a different digest alone proves nothing.)
        /// - A migration to the configuration the latest one already leads to, from another old
        ///   one (the change came in several files), is refused too.
        ///
        /// A dry run warns of either; a real run says why it refuses as an error. Either returns why.
        /// - Returns: `covered` with the path of the latest migration when it already migrates
        ///   this very change (same old and new digests): nothing is to be written.
        private func checkContinuity(in directory: String, files: [MigrationDirectory.File], old: Configuration,
                                     digests: () -> (old: String, new: String), oldSource: String, terminal: Terminal) throws -> Continuity {
            guard let latest = files.last, let metadata = latest.migration.metadata else { return .continues }
            let name = "\(latest.version).json"
            let path = (directory as NSString).appendingPathComponent(name)
            let oldDigest = digests().old
            let generatedTo = metadata["new"]?.stringValue.map { " (\($0) when it was generated)" } ?? ""
            guard let latestOld = metadata["digests"]?["old"]?.stringValue, oldDigest == latestOld else {
                if metadata["digests"]?["new"]?.stringValue == oldDigest { return .continues }
                // The latest migration leads to the new configuration already, from another one: the
                // change came in several files (a branch's commits, rebased and merged). Flows at its
                // version run the new configuration; a migration after it would move their edges again.
                if metadata["digests"]?["new"]?.stringValue == digests().new {
                    let reason = "\(path) already leads to the new configuration (from another old one than \(oldSource): the change "
                        + "is migrated by the files before it)"
                    if dryRun {
                        terminal.message("warning: \(reason); a real run would refuse it")
                        return .refused(reason)
                    }
                    terminal.message("""
                        error: \(reason); flows in flight at version \(latest.version) run the new configuration, and a migration \
                        after it would move their edges a second time
                          hint: nothing is to be written for this change; selinon-migrate verify --git checks the directory against \
                        the history
                        nothing was written
                        """)
                    return .refused(reason)
                }
                // An earlier file between the same two configurations: this change is migrated already
                // — unless the old configuration could be the one the latest file leads to, but for
                // conditions (changed back without a migration): its edge counts are all the latest's.
                if !Self.hasEdgeCounts(old, after: latest.migration), let earlier = files.dropLast().last(where: {
                    $0.migration.metadata?["digests"]?["old"]?.stringValue == oldDigest
                        && $0.migration.metadata?["digests"]?["new"]?.stringValue == digests().new
                }) {
                    let earlierPath = (directory as NSString).appendingPathComponent("\(earlier.version).json")
                    if dryRun {
                        let reason = "\(earlierPath) already migrates this change (generated between the same configurations)"
                        terminal.message("warning: \(reason); a real run would refuse it")
                        return .refused(reason)
                    }
                    terminal.message("""
                        error: \(earlierPath) already migrates this change (generated between the same configurations); \
                        flows in flight at version \(latest.version) have been through it, and a copy as \(latest.version + 1).json would \
                        move their edges a second time
                          hint: to migrate what changed since \(path), compare the configuration it leads to\(generatedTo) with the new one \
                        (git: --from the commit that has it; files: -N/-F)
                        nothing was written
                        """)
                    return .refused("\(earlierPath) already migrates this change (generated between the same configurations)")
                }
                guard let mismatch = Self.edgeCountMismatch(old, after: latest.migration) else { return .continues }
                if dryRun {
                    let reason = "the old configuration is not the one \(path) leads to: \(mismatch)"
                    terminal.message("warning: \(reason); a real run would refuse it")
                    return .refused(reason)
                }
                terminal.message("""
                    error: the old configuration (\(oldSource)) is not the one \(path) leads to\(generatedTo): \(mismatch); \
                    flows in flight at version \(latest.version) use that configuration's edge indices, so a migration from another \
                    one would move the wrong edges
                      hint: give the configuration \(name) leads to as the old one (git: --from the commit that has it; files: -N/-F)
                    nothing was written
                    """)
                return .refused("the old configuration is not the one \(path) leads to: \(mismatch)")
            }
            if digests().new == metadata["digests"]?["new"]?.stringValue { return .covered(path, latest.migration.strategy) }
            if dryRun {
                // A dry run prints the file all the same: its bytes depend on the configurations only.
                let reason = "\(path) already migrates from this old configuration, to another new one"
                terminal.message("warning: \(reason); a real run would refuse to write another")
                return .refused(reason)
            }
            let sum = (directory as NSString).appendingPathComponent(MigrationSum.fileName)
            terminal.message("""
                error: \(path) already migrates from this old configuration (\(oldSource)), to another new one\(generatedTo); \
                a second migration from the same configuration would be applied to flows \(name) has already migrated
                  hint: if \(name) is not deployed anywhere yet (for example generated before more edits, not committed): delete it, \
                restore \(sum) (selinon-migrate rehash -m \(shellWord(directory)), or git checkout HEAD -- \(gitPathWord(sum)) once committed) and run generate again for one \
                migration covering all the edits; otherwise give the configuration \(name) leads to as the old one (commit it, or -N/-F)
                nothing was written
                """)
            return .refused("\(path) already migrates from this old configuration, to another new one")
        }

        /// The old configuration is a committed one from before the commit, on HEAD's first-parent
        /// line, that made the configuration the directory's latest migration leads to — or, where
        /// that is on no commit of the line (a merge brought the migration with changes of this
        /// line's own), the commit that brought the migration (`--from` named too early a
        /// revision). Flows at that migration's version run that commit's configuration, and a
        /// migration from the old one would move their edges by indices they no longer have —
        /// whether the comparison takes in the change that migration made (`--to` after that
        /// commit, or the working tree) or ends before it (`--to` an earlier commit: that change's
        /// migration goes before the latest, where `verify --git` says how). Refused (a dry run
        /// warns) when the two configurations differ in the edges of a flow both have (flows added
        /// since, conditions changed, need nothing). Returns why, for a dry run to show the
        /// migration all the same.
        private func refuseSpanTakingInLatest(_ latest: MigrationDirectory.File, in directory: String, old: GitConfigurationSource,
                                              configuration: Configuration, oldDigest: String, new: any ConfigurationSource,
                                              loader: ConfigurationLoader, terminal: Terminal) throws -> String? {
            let leadsTo = latest.migration.metadata?["digests"]?["new"]?.stringValue
            guard case .revision(let from, _) = old.location, leadsTo != oldDigest else { return nil }
            let repository = old.repository
            let head = repository.isHeadUnborn ? nil : try? repository.commit("HEAD")
            // The new configuration's commit, when it is one; the line is walked from HEAD when it holds that commit.
            var to: GitCommit?
            if let newCommit = new as? GitConfigurationSource, case .revision(let commit, _) = newCommit.location { to = commit }
            let start = to.map { to in head.flatMap { repository.fetchedHistory(from: $0.id, contains: to.id) ? $0 : nil } ?? to } ?? head
            guard let start,
                  let later = repository.migrationDestination(latest.version, hash: MigrationSum.hash(latest.bytes), leadsTo: leadsTo,
                                                              in: directory, from: start, after: from, paths: old.paths, loader: loader),
                  !MigrationDiffer().plan(from: configuration, to: later.configuration, strategy: .ignore).migration.flows.isEmpty
            else { return nil }
            let name = "\(latest.version).json"
            let path = (directory as NSString).appendingPathComponent(name)
            let addedBy = "\(later.commit.id.short) (\(later.commit.summary)), which "
                + (later.madeDestination ? "made the configuration \(path) leads to" : "added \(path) with its change")
            let endsBefore = to.map { !repository.fetchedHistory(from: $0.id, contains: later.commit.id) } ?? false
            let reason = endsBefore ? "the change from \(old.sourceDescription) to \(new.sourceDescription) comes before \(addedBy)"
                : "the old configuration (\(old.sourceDescription)) comes before \(addedBy)"
            if dryRun {
                terminal.message("warning: \(reason); a real run would refuse it")
                return reason
            }
            let command = "selinon-migrate generate" + location.shellArguments + (migrationDirectory.map { " -m " + shellWord($0) } ?? "")
            let consequence = endsBefore
                ? "flows in flight at version \(latest.version) run a later configuration, so a migration of an earlier change after \(name) would move their edges by indices they no longer have"
                : "flows in flight at version \(latest.version) run that commit's configuration, so a migration from the old one would take in the change \(name) migrated already and move their edges by indices they no longer have"
            let hint = endsBefore
                ? "a migration of that change goes before \(name), not after it; selinon-migrate verify --git\(location.shellArguments) says whether one is missing there and how to put it in"
                : "compare from that commit: \(command) --from \(later.commit.id.short)"
                    + (git.to.map { " --to " + shellWord($0) } ?? "")
            terminal.message("""
                error: \(reason): \(consequence)
                  hint: \(hint)
                nothing was written
                """)
            return reason
        }

        /// A migration directory missing from the working tree while HEAD holds migrations there (a
        /// sparse checkout that leaves it out, files deleted by mistake): a new history starting at
        /// 1.json would replace them. Also a directory that holds no migration, only files kept
        /// there to keep it (`.gitkeep`, `EMPTY`), after a commit removed its migrations (a `git
        /// revert` of the change that added them): it was not made for a new history — unless its
        /// sum, rewritten by `rehash`, lists no migration: emptied on purpose.
        private static func refuseMissingCommittedDirectory(_ directory: String, sources: [any ConfigurationSource],
                                                            terminal: Terminal) throws {
            let placeholders = Self.placeholderFiles(in: directory)
            // (The directory's own repository when the configurations are files: -N/-F, -n/-f.)
            guard !FileManager.default.fileExists(atPath: directory) || placeholders?.isEmpty == false,
                  let repository = sources.lazy.compactMap({ ($0 as? GitConfigurationSource)?.repository }).first
                    ?? (try? GitRepository(containing: directory)),
                  let head = try? repository.commit("HEAD") else { return }
            if let placeholders {
                // HEAD's migrations there are deleted in the working tree: said below as for a missing directory.
                if let committed = try? repository.migrationFiles(in: directory, at: head), !committed.isEmpty {
                    // Emptied on purpose: the sum rewritten to list none (rehash), as when the files are moved
                    // out to put a missing migration before them.
                    if placeholders.contains(MigrationSum.fileName), (try? MigrationSum.load(fromDirectory: directory))?.entries.isEmpty == true {
                        terminal.message("note: \(directory) holds no migration and its \(MigrationSum.fileName) lists none (rewritten by "
                            + "rehash), though HEAD holds \(counted(committed.count, "migration")) there: the new migration is 1.json")
                        return
                    }
                    terminal.message("""
                        error: the migration directory \(directory) holds no migration, but HEAD holds \(counted(committed.count, "migration")) there \
                        (files deleted): a new history starting at 1.json would replace \(committed.count == 1 ? "it" : "them")
                          hint: bring \(committed.count == 1 ? "it" : "them") back: git checkout HEAD -- \(gitPathWord(directory)), then run generate \
                        again (to put a migration before \(committed.count == 1 ? "it" : "them") on purpose, as verify --git advises: run \
                        selinon-migrate rehash -m \(shellWord(directory)) first, so that the sum lists none)
                        nothing was written
                        """)
                    throw ExitStatus.inputFailed
                }
                try refuseDirectoryRemovedByACommit(directory, head: head, repository: repository, terminal: terminal,
                                                    keptFiles: placeholders)
                return
            }
            guard let committed = try? repository.migrationFiles(in: directory, at: head), !committed.isEmpty else {
                try refuseDirectoryRemovedByACommit(directory, head: head, repository: repository, terminal: terminal, keptFiles: nil)
                return
            }
            terminal.message("""
                error: the migration directory \(directory) is not in the working tree, but HEAD holds \(committed.count) migration\
                \(committed.count == 1 ? "" : "s") there (a sparse checkout that leaves it out, or files deleted): a new history \
                starting at 1.json would replace them
                  hint: bring it back: git checkout HEAD -- \(gitPathWord(directory)) (in a sparse checkout: git sparse-checkout add \
                \(shellWord(directory))), then run generate again
                nothing was written
                """)
            throw ExitStatus.inputFailed
        }

        /// A migration directory a commit removed or moved away (`git rm`, `git mv` without
        /// changing `migration_dir`): its migrations may be deployed, and a new history starting at
        /// 1.json would take their numbers again. Looked for along first parents, up to
        /// ``removedDirectorySearchDepth`` commits back; an empty directory made on purpose
        /// (`mkdir`) starts a new history.
        /// `keptFiles`: the files the directory still holds (it was kept, not removed).
        private static func refuseDirectoryRemovedByACommit(_ directory: String, head: GitCommit, repository: GitRepository,
                                                            terminal: Terminal, keptFiles: [String]?) throws {
            // (HEAD holds none: the commit found is a parent, and the one the walk came from removed them.)
            guard let (parent, files, child) = repository.newestMigrations(in: directory, from: head, limit: removedDirectorySearchDepth + 1,
                                                                           where: { !$0.isEmpty }),
                  let remover = child else { return }
            let path = (try? repository.repositoryPath(of: directory)) ?? directory
            let movedTo = ((try? repository.renamedFiles(in: remover)) ?? [:])
                .filter { $0.value.hasPrefix(path + "/") }.map { parentDirectory(of: $0.key) }
            // Named as -m takes it: from here, not from the repository's root.
            let destination = Set(movedTo).count == 1 ? movedTo.first.map { Self.pathFromHere(repositoryPath: $0, in: repository) } : nil
            let migrations = files.count == 1 ? "its migration" : "its \(files.count) migrations"
            let them = files.count == 1 ? "it" : "them"
            let what = destination.map { "moved \(migrations) to \($0)" } ?? "removed \(migrations)"
            let instead = destination.map { "give the directory \(files.count == 1 ? "it is" : "they are") in now: -m \(shellWord($0)) (or set global.migration_dir to it); " } ?? ""
            let state = keptFiles.map { "holds no migration (only \($0.joined(separator: ", ")))" } ?? "does not exist"
            let onPurpose = keptFiles.map { kept in
                "remove \(kept.count == 1 ? "that file" : "those files") first (rm -r \(kept.map { shellWord((directory as NSString).appendingPathComponent($0)) }.joined(separator: " ")))"
            } ?? "create the directory first: mkdir -p \(shellWord(directory))"
            terminal.message("error: the migration directory \(directory) \(state), but \(remover.id.short) (\(remover.summary)) "
                + "\(what): deployments may have applied \(them), and a new history starting at 1.json would take "
                + "\(files.count == 1 ? "its number" : "their numbers") again\n  hint: \(instead)to bring \(them) back here: git checkout "
                + "\(parent.id.short) -- \(gitPathWord(directory)); to start a new history here on purpose (no deployment ever ran "
                + "\(them)), \(onPurpose)\nnothing was written")
            throw ExitStatus.inputFailed
        }

        /// The files of `directory` when it holds no migration (`N.json`) — files that keep an
        /// otherwise empty directory in git (`.gitkeep`, `EMPTY`), or a `migrations.sum` rehashed
        /// after its migrations were deleted: empty when the directory is empty; nil when it does
        /// not exist, cannot be listed, or holds a migration.
        private static func placeholderFiles(in directory: String) -> [String]? {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory),
                  !entries.contains(where: { !$0.hasPrefix(".") && $0.lowercased().hasSuffix(".json") }) else { return nil }
            return entries.sorted()
        }

        /// A path of `repository`'s working tree as a command run here names it: relative to the
        /// current directory when below it, else absolute.
        private static func pathFromHere(repositoryPath: String, in repository: GitRepository) -> String {
            guard let root = repository.workingDirectory else { return repositoryPath }
            let absolute = ((root as NSString).appendingPathComponent(repositoryPath) as NSString).resolvingSymlinksInPath
            let here = (FileManager.default.currentDirectoryPath as NSString).resolvingSymlinksInPath
            return absolute.hasPrefix(here + "/") ? String(absolute.dropFirst(here.count + 1)) : absolute
        }

        /// How many commits back ``refuseDirectoryRemovedByACommit(_:head:repository:terminal:)`` looks.
        static let removedDirectorySearchDepth = 200

        /// During a cherry-pick that copies migrations from a branch whose history this one does
        /// not share (``CherryPickedMigrations``), the directory has a gap or a conflicted sum
        /// that no new migration can follow: refused with the fix, before the directory is read.
        private static func refuseCherryPickedMigrations(in directory: String, sources: [any ConfigurationSource],
                                                         terminal: Terminal, command: String) throws {
            guard let repository = sources.lazy.compactMap({ ($0 as? GitConfigurationSource)?.repository }).first
                    ?? (try? GitRepository(containing: directory)),
                  let picked = CherryPickedMigrations.find(in: directory, repository: repository) else { return }
            terminal.message("""
                error: \(picked.message)
                  hint: \(picked.hint(generate: command, paths: sources.lazy.compactMap({ ($0 as? GitConfigurationSource)?.paths }).first,
                                        repository: repository))
                nothing was written
                """)
            throw ExitStatus.inputFailed
        }

        /// During a merge whose other side (`MERGE_HEAD`) brings migrations this side's HEAD does
        /// not have — or a `git merge --squash`, which has no MERGE_HEAD, whose working tree holds
        /// them — the newest commit that changed the configuration (on this side) is not the
        /// configuration the directory's latest migration leads to: a migration from it would
        /// repeat, or undo, what the merged migrations already did to in-flight flows' edges. No
        /// edge count can reveal that (a reordering keeps them), so it is refused outright.
        /// - Returns: the path of the directory's latest migration when there is nothing to
        ///   generate: it (as `rebase --onto MERGE_HEAD`, or `--onto HEAD` for a squash, leaves it)
        ///   leads to the new configuration already.
        private static func refuseMergeBringingMigrations(into directory: String, latest: MigrationDirectory.File?,
                                                          lastChange: GitConfigurationSource, newDigest: String,
                                                          terminal: Terminal) throws -> String? {
            let repository = lastChange.repository
            let squashing = repository.isSquashMerging
            guard repository.isMerging || squashing, let head = try? repository.commit("HEAD"),
                  let ours = try? repository.migrationFiles(in: directory, at: head) else { return nil }
            let merged: [Int: [UInt8]]
            if squashing {
                merged = Dictionary(uniqueKeysWithValues: MigrationSum.migrationFileNames(in: directory).compactMap { name in
                    MigrationDirectory.version(ofFileName: name).flatMap { version in
                        FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(name)).map { (version, [UInt8]($0)) }
                    }
                })
            } else {
                guard let mergeHead = try? repository.commit("MERGE_HEAD"),
                      let files = try? repository.migrationFiles(in: directory, at: mergeHead) else { return nil }
                merged = files
            }
            let brought = merged.filter { ours[$0.key].map(MigrationSum.hash) != MigrationSum.hash($0.value) }.keys.sorted()
            guard !brought.isEmpty else { return nil }
            if let latest, latest.migration.metadata?["digests"]?["new"]?.stringValue == newDigest { return latest.path }
            let names = brought.map { "\($0).json" }.joined(separator: ", ")
            let theyAre = brought.count == 1 ? "it is" : "they are"
            let bringing = squashing ? "a git merge --squash is under way and brings \(names), which HEAD does not have as \(theyAre)"
                : "a merge is under way and MERGE_HEAD brings \(names), which HEAD does not have as \(theyAre)"
            let finish = squashing ? "finish the squash first — selinon-migrate check says whether the migrations need "
                + "`selinon-migrate rebase --onto HEAD`; commit it" : "finish the merge first — selinon-migrate check says whether this "
                + "branch's migrations need `selinon-migrate rebase --onto MERGE_HEAD`; commit the merge"
            terminal.message("""
                error: \(bringing): the configuration of HEAD's newest change (\(lastChange.sourceDescription)) is not the one the \
                merged migrations lead to, so a migration from it would move in-flight flows' edges a second time
                  hint: \(finish); then generate for any further edits (or give the configuration the latest migration leads to with \
                --from REV or -N/-F)
                nothing was written
                """)
            throw ExitStatus.inputFailed
        }

        /// The directory's latest migration leads to the configuration the commit that made the
        /// old one (a committed revision) started from, and that commit changed edges without a
        /// migration (``GitRepository/unmigratedChange(madeBy:paths:configuration:migrations:directory:loader:)``):
        /// refused, with the migration that commit lacks as the first step.
        private static func refuseUnmigratedChange(of old: GitConfigurationSource, configuration: Configuration,
                                                   migrations: [MigrationDirectory.File], in directory: String,
                                                   loader: ConfigurationLoader, terminal: Terminal, command: String) throws {
            guard case .revision(let revision, _) = old.location, let latest = migrations.last,
                  let (commit, parent, _) = old.repository.unmigratedChange(madeBy: revision, paths: old.paths, configuration: configuration,
                                                                         migrations: migrations, directory: directory, loader: loader)
            else { return }
            terminal.message("""
                error: \(commit.id.short) (\(commit.summary)), the commit that made the old configuration, changed flows without a \
                migration: \(latest.path) leads to the configuration before it, which in-flight flows run, so a migration from \
                the old configuration would move the wrong edges
                  hint: first migrate that commit's change: \(command) --from \(parent.id.short) --to \(commit.id.short); then run \
                \(command) again for this change
                nothing was written
                """)
            throw ExitStatus.inputFailed
        }

        /// `description` with the placeholder of the fix for migrations two branches both added made
        /// the command to run, where git's state says
        /// (``GitRepository/withConcreteRebaseFix(_:directory:options:)``).
        private func withConcreteRebase(_ description: String, in directory: String, sources: [any ConfigurationSource]) -> String {
            guard let repository = sources.lazy.compactMap({ ($0 as? GitConfigurationSource)?.repository }).first else { return description }
            return repository.withConcreteRebaseFix(description, directory: directory,
                                                    options: location.shellArguments + (migrationDirectory.map { " -m " + shellWord($0) } ?? ""))
        }

        /// What keeps the covered file at `path` out of the directory's sum, if anything: no sum,
        /// or a sum that does not list it.
        private static func unlistedInSum(_ path: String, directory: String) -> String? {
            let name = (path as NSString).lastPathComponent
            guard let sum = try? MigrationSum.load(fromDirectory: directory) else {
                return "there is no readable \(MigrationSum.fileName) to list it"
            }
            return sum.entries.contains { $0.name == name } ? nil : "\(MigrationSum.fileName) does not list it"
        }

        /// ``MigrationWriter/finishInterruptedWrite(of:inDirectory:)``, its failure reported.
        private static func finishInterruptedWrite(of migration: Migration, in directory: String, holding lock: MigrationDirectoryLock?,
                                                   terminal: Terminal, concrete: (String) -> String) throws -> String? {
            do {
                return try MigrationWriter(holding: lock).finishInterruptedWrite(of: migration, inDirectory: directory)
            } catch {
                throw report(error, directory: directory, terminal: terminal, concrete: concrete)
            }
        }

        /// Says why nothing was written into `directory` — on standard error and, with `--format
        /// json`, as the document every command prints for a migration directory it refuses (a
        /// file system failure leaves standard output empty) — and returns the exit status.
        /// `concrete` puts the rebase command this checkout needs into advice that names one.
        private static func report(_ error: MigrationWriteError, directory: String, terminal: Terminal,
                                   concrete: (String) -> String) -> ExitCode {
            terminal.message(concrete(error.description))
            if let findings = error.findings(directory: directory) {
                terminal.reportRefusedMigrationDirectory(directory, findings: findings.map { finding in
                    var finding = finding
                    finding.hint = concrete(finding.hint)
                    return finding
                }, unreadable: error.isFileSystemFailure)
            }
            return error.isFileSystemFailure ? ExitStatus.toolFailed : ExitStatus.inputFailed
        }

        /// Whether the new migration may follow the directory's latest one.
        private enum Continuity {
            case continues
            /// The latest file already migrates this very change (at this path, with this strategy).
            case covered(String, TaintedFlowStrategy)
            /// A real run would refuse it, for this reason (only a dry run gets here).
            case refused(String)
        }

        /// Whether `configuration` has exactly the edge counts `migration`'s `_meta` records for the
        /// configuration it leads to (false when it records none).
        private static func hasEdgeCounts(_ configuration: Configuration, after migration: Migration) -> Bool {
            guard case .object(let counts)? = migration.metadata?["edge_counts"] else { return false }
            var expected: [String: Int] = [:]
            for (flow, entry) in counts { if let count = entry["new"]?.intValue { expected[flow] = count } }
            return !expected.isEmpty && configuration.flows.count == expected.count
                && expected.allSatisfy { configuration.flows[$0.key]?.edges.count == $0.value }
        }

        /// Why `configuration` cannot be the one `migration` leads to, judged by the edge counts
        /// its `_meta` records ("flow 'ingest' has 7 edges here, 8 after it"), if it cannot.
        private static func edgeCountMismatch(_ configuration: Configuration, after migration: Migration) -> String? {
            guard case .object(let counts)? = migration.metadata?["edge_counts"] else { return nil }
            for flow in counts.keys.sorted() {
                guard let expected = counts[flow]?["new"]?.intValue else { continue }
                guard let definition = configuration.flows[flow] else {
                    return "it has no flow '\(flow)', which has \(expected) edge\(expected == 1 ? "" : "s") after that migration"
                }
                if definition.edges.count < expected {
                    return "flow '\(flow)' has \(definition.edges.count) edge\(definition.edges.count == 1 ? "" : "s") in it, \(expected) after that migration"
                }
            }
            return nil
        }

        private func sources(environment: [String: String], terminal: Terminal) throws
            -> (old: any ConfigurationSource, new: any ConfigurationSource) {
            try ConfigurationPair.sources(location: location, old: old, git: git, environment: environment, terminal: terminal)
        }

        /// `-m`, else the new nodes file's `migration_dir` (environment placeholders expanded as
        /// Selinon's workers expand them), relative to the current directory.
        /// Says on standard error, and adds to `warnings` (for the JSON report), when the directory
        /// is not the one workers read.
        private func migrationDirectoryPath(old: Configuration, new: Configuration, environment: [String: String],
                                            terminal: Terminal, warnings: inout [String]) throws -> String {
            let configured = new.global.migrationDirectory
            if let oldDirectory = old.global.migrationDirectory, let configured, oldDirectory != configured {
                warnings.append("the old configuration's migration_dir is '\(oldDirectory)', the new one's '\(configured)'; "
                    + "make sure the earlier migrations are in '\(configured)'")
            }
            if let migrationDirectory, let configured, !sameDirectory(new.global.expandedMigrationDirectory ?? configured, migrationDirectory) {
                warnings.append("--migration-dir '\(migrationDirectory)' differs from global.migration_dir '\(configured)' "
                    + "of \(new.nodesFile); workers read the latter")
            }
            for warning in warnings { terminal.message("warning: " + warning) }
            if let migrationDirectory { return migrationDirectory }
            guard configured != nil else {
                terminal.message("error: no migration directory: \(new.nodesFile) sets no global.migration_dir\n"
                    + "  hint: pass -m/--migration-dir, or set global.migration_dir so workers find the migrations too")
                throw ExitStatus.inputFailed
            }
            guard let expanded = new.global.expandedMigrationDirectory else {
                terminal.message("error: global.migration_dir '\(configured!)' cannot be expanded from the environment")
                throw ExitStatus.inputFailed
            }
            return expanded
        }

        /// What to do about a migration that repeats an earlier one's effect.
        static let repeatedMigrationAdvice = "make sure the same change is not migrated twice: a state that goes through both has "
            + "its edges moved twice (if it is, remove the new file and run selinon-migrate rehash)"

        /// Why this user could not create files in `directory` (or, when it does not exist yet,
        /// create it in the nearest directory above that does), or `nil` when it could.
        static func whyNotWritable(_ directory: String) -> String? {
            let given = URL(fileURLWithPath: directory).standardizedFileURL.path
            var path = given
            var status = stat()
            while stat(path, &status) != 0 {
                guard errno == ENOENT, path != "/" else { return String(cString: strerror(errno)) }
                path = parentDirectory(of: path)
            }
            guard (status.st_mode & S_IFMT) == S_IFDIR else { return "\(path) is not a directory" }
            guard access(path, W_OK | X_OK) == 0 else {
                let reason = String(cString: strerror(errno))
                return path == given ? reason : "it would be created in \(path): \(reason)"
            }
            return nil
        }
    }
}

/// `generate --format json`.
struct GenerateReport: Encodable {
    struct Flow: Encodable {
        var flow: String
        var renumbered: [[Int]]
        var removed: [Int]
        var added: [Int]
    }

    struct Warning: Encodable {
        var kind: String
        var flow: String
        var edge: Int?
        var message: String
    }

    var needsMigration: Bool
    var written: String?
    /// The migration file that already migrates this change (generated between the same
    /// configurations), when nothing is written for that reason.
    var coveredBy: String?
    /// Why a real run would refuse the migration a dry run shows (it continues no migration of
    /// the directory as it should); the dry run exits 1, as the real run would.
    var refused: String?
    var version: Int?
    /// The newest earlier migration that changes flows exactly as this one does (generated twice
    /// by mistake?).
    var repeats: Int?
    /// The migration directory is not the one workers read (`-m` other than
    /// `global.migration_dir`), or the configurations name different ones.
    var migrationDirectoryWarnings: [String]?
    var flows: [Flow]
    var warnings: [Warning]
    var addedFlows: [String]
    var removedFlows: [String]
    /// Added flows that an earlier migration removed: the migration records their return.
    var readdedFlows: [String]
    /// Nothing changed since the last commit that changed the configuration, but that commit's
    /// change has no migration that fits it: what happened and the command that fixes it.
    var lastChangeNote: String?
    /// The migration file's content, for `--dry-run`.
    var migration: JSONValueEncodable?

    init(plan: MigrationPlan, written: WrittenMigration?, migration: Migration?) {
        needsMigration = plan.isNeeded
        self.written = written?.path
        version = written?.version
        flows = plan.flowChanges.map {
            Flow(flow: $0.flow, renumbered: $0.renumbered.map { [$0.old, $0.new] }, removed: $0.removed, added: $0.added)
        }
        warnings = plan.warnings.map { Warning(kind: $0.kind.rawValue, flow: $0.flow, edge: $0.edge, message: $0.message) }
        addedFlows = plan.addedFlows
        removedFlows = plan.removedFlows
        readdedFlows = plan.readdedFlows
        self.migration = migration.map { JSONValueEncodable($0.jsonValue) }
    }

    func json() throws -> String {
        try JSONReport.render(self)
    }
}

/// Embeds a ``JSONValue`` in an `Encodable` report.
struct JSONValueEncodable: Encodable {
    let value: JSONValue

    init(_ value: JSONValue) {
        self.value = value
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch value {
        case .null: try container.encodeNil()
        case .bool(let flag): try container.encode(flag)
        case .number(let number):
            if let integer = number.intValue { try container.encode(integer) } else { try container.encode(number.doubleValue ?? 0) }
        case .string(let text): try container.encode(text)
        case .array(let items): try container.encode(items.map(JSONValueEncodable.init))
        case .object(let members): try container.encode(members.mapValues(JSONValueEncodable.init))
        }
    }
}
