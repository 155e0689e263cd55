import ArgumentParser
import FlowConfig
import FlowEngine
import FlowMigration
import Foundation
import GitHistory
import MigrationGenerator
import MigrationReview

extension SelinonMigrate {
    /// `analyze`: what a migration does to every state a flow can be in.
    struct Analyze: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "analyze",
            abstract: "Run a migration on every dispatcher state its flows can reach, and count the outcomes.",
            // Written out: past 12 options the parser would shorten it to "analyze [<options>] [<version>]".
            usage: """
                selinon-migrate analyze [<version> | --pending [--base <revision>]] [-m <dir>] \
                [-N <file> -F <path> ... | --git -n <file> -f <path> ...] [--max-states <max-states>] \
                [--fail-on <retry|fail>] [--format <format>] [--max-file-size <size>] [--quiet]
                """,
            discussion: """
                For migration VERSION (default: the newest), takes the configuration in-flight \
                states were written against — the one before it: -N/-F, else the one its _meta \
                records (files that still exist, or a git revision read with the paths of -n/-f), \
                accepted only when it matches the recorded digest. For each flow the migrations \
                from VERSION to the newest touch, it enumerates every dispatcher state the flow can reach under Selinon's \
                rules (conditions taken both ways, foreach starting 0…2 nodes, one node finishing or \
                failing per run), applies the migrations from VERSION to the newest to each, and \
                reports counts per outcome with the smallest example state of each tainting outcome:

                  licence_analysis_flow: 37 reachable states — 6 renumbered, 2 waiting edge \\
                  dropped, 29 RETRY (e.g. ScanLicences finished; FlagUnknownLicence running)

                Cycles and fan-out can make the states infinite: --max-states bounds the search per \
                flow (as do 2,000,000 node instances held by its states together), and the report \
                says when it was hit. With --fail-on, a reachable state with \
                that outcome or a worse one exits 1 (a CI gate). --pending analyses the migrations \
                added since the base revision, from the first of them.

                Examples:
                  selinon-migrate analyze 2 -m migrations  # migrations 2…newest
                  selinon-migrate analyze -m migrations -N old/nodes.yml -F old/flows \\
                      --fail-on retry
                  selinon-migrate analyze --pending -m migrations --git \\
                      -n config/nodes.yml -f config/flows

                Exit codes: 0 analysed; 1 --fail-on matched, or a configuration or the directory is \
                invalid or missing; 2 a file or git could not be read; 64 usage error.
                """)

        @Argument(help: ArgumentHelp("The migration to analyse (default: the newest).", valueName: "version"))
        var version: Int?

        @Flag(help: "Analyse the migrations added since the base revision (merge base with upstream, else HEAD).")
        var pending = false

        @Option(help: ArgumentHelp("With --pending: the branch to compare with, at its merge base with HEAD (default: the upstream branch — the remote's default branch when the upstream is this branch's own copy — else HEAD).",
                                   valueName: "revision"))
        var base: String?

        @Option(name: [.customShort("m"), .customLong("migration-dir")],
                help: ArgumentHelp("The migration directory (default: global.migration_dir of -n, else 'migrations').", valueName: "dir"))
        var migrationDirectory: String?

        @OptionGroup(title: "The configuration before the migration (-N/-F)") var old: OldConfigOptions
        @OptionGroup(title: "The current configuration (for --git)") var location: ConfigLocationOptions

        @Flag(help: "Read the configuration before the migration at the git revision its _meta records.")
        var git = false

        @Option(name: .customLong("max-states"), parsing: .unconditional, help: "Stop enumerating a flow's states after this many.")
        var maxStates = 10_000

        @Option(name: .customLong("fail-on"), help: ArgumentHelp("Exit 1 when a reachable state comes out this way or worse.", valueName: "retry|fail"))
        var failOn: FailOn?

        @Option(help: "Output format: text, markdown, or json.")
        var format: ReportFormat = .text

        @Flag(help: "No progress display (shown on standard error while reachable states are explored for longer than a moment).")
        var quiet = false

        enum FailOn: String, CaseInsensitiveArgument, CaseIterable {
            case retry, fail
        }

        func validate() throws {
            try validateMigrationDirectory(migrationDirectory)
            if pending && version != nil { throw ValidationError("Give a version or --pending, not both.") }
            if base != nil && !pending { throw ValidationError("--base goes with --pending.") }
            if maxStates < 1 { throw ValidationError("--max-states must be at least 1.") }
            if let version, version < 1 { throw ValidationError("Migration versions start at 1.") }
            if git && old.oldNodesDefinition != nil {
                throw ValidationError("--git reads the configuration before the migration at the revision its _meta records; "
                    + "it cannot be combined with -N/-F, which give it.")
            }
        }

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let terminal = Terminal(environment: environment, reportsInJSON: format == .json)
            let migrationDirectory = try directoryPath(environment: environment, terminal: terminal)
            try terminal.refuseMisplacedMigrationDirectory(migrationDirectory, configuration: location.nodesDefinition)
            // With --pending, a directory that does not exist yet holds no added migration.
            if pending && !FileManager.default.fileExists(atPath: migrationDirectory) {
                terminal.message("note: there is no migration directory \(migrationDirectory), so no migration was added")
            }
            let directory = try terminal.loadMigrationDirectory(migrationDirectory, allowMissing: pending)
            // The analysis proves what the files do as they are; say when they are not the ones generated.
            let problems = terminal.warnAboutIntegrity(of: migrationDirectory)
            let first: Int
            if pending {
                let since = try terminal.migrationsSinceBase(directory, at: migrationDirectory, base: base)
                guard let added = since.added.first else {
                    let unmigrated = unmigratedChanges(environment: environment)
                    outputNothingToAnalyze("no migrations were added since the base" + (since.headFallback == nil ? ""
                        : " (HEAD, so only migrations not committed yet count: pass --base)")
                        + (unmigrated.map { ", but the flows changed in a way that needs one: \($0.joined(separator: "; ")); selinon-migrate check fails until "
                            + "selinon-migrate generate adds it" } ?? ""),
                        unmigrated: unmigrated, problems: problems, terminal: terminal)
                    return
                }
                first = added
            } else if let version {
                first = version
            } else {
                guard directory.latestVersion > 0 else {
                    outputNothingToAnalyze("there are no migrations in \(migrationDirectory) yet: nothing to analyze", unmigrated: nil,
                                           problems: problems, terminal: terminal)
                    return
                }
                first = directory.latestVersion
            }
            guard first >= 1, first <= directory.latestVersion else {
                let newest = directory.latestVersion == 0 ? "it holds no migrations yet" : "the newest is \(directory.latestVersion)"
                terminal.message("error: there is no migration \(first) in \(migrationDirectory) (\(newest))")
                throw ExitStatus.inputFailed
            }
            let before = try configurationBefore(directory.files[first - 1].migration, environment: environment, terminal: terminal)
            let removed = Set(directory.files[(first - 1)...].flatMap { file in (file.migration.metadata?["edge_counts"]).map(Self.removedFlows) ?? [] })
            // Flows the files change or remove, and flows with a fallback that starts a removed one (running, it fails).
            let touched = Set(directory.files[(first - 1)...].flatMap { Array($0.migration.changedFlows.keys) }).union(removed)
                .union(before.flows.filter { $0.value.failures.contains { $0.fallback.nodes.contains(where: removed.contains) } }.keys)
            // States found so far: one flow of thousands of edges takes minutes at a high --max-states.
            let display = ProgressDisplay(unit: "states", quiet: quiet, alwaysSummarize: false)
            let analysis = MigrationAnalysis(configuration: before, flows: Array(touched), chain: MigrationChain(directory: directory),
                                             version: first - 1, options: .init(maxStates: maxStates), progress: { progress in
                display.update(done: progress.statesFound, total: nil, detail: "\(progress.flowsDone)/\(progress.flows) flows done")
            })
            display.finish()
            let range = first == directory.latestVersion ? "migration \(first)" : "migrations \(first)…\(directory.latestVersion)"
            let threshold: MigrationAnalysis.Outcome? = failOn.map { $0 == .retry ? .retry : .fail }
            let offending = threshold.map { threshold in analysis.flows.filter { ($0.worst ?? .unchanged) >= threshold } } ?? []
            switch format {
            case .text:
                terminal.output(([range + ":"] + analysis.flows.map { "  \($0.flow): \($0.sentence)" }).joined(separator: "\n"))
            case .markdown:
                terminal.output((["**Every reachable state, through \(range)**", ""] + analysis.flows.map { "- \(MarkdownText.codeSpan($0.flow)): \(MarkdownText.escaped($0.sentence))" })
                    .joined(separator: "\n"))
            case .json:
                var document = Self.problemFields(problems)
                document["from_version"] = .number(JSONNumber(first - 1))
                document["to_version"] = .number(JSONNumber(directory.latestVersion))
                document["flows"] = .array(analysis.flows.map { flow in
                    .object(["flow": .string(flow.flow)].merging(flow.facts) { first, _ in first })
                })
                // The gate's verdict, as the exit status gives it.
                if let failOn {
                    document["fail_on"] = .string(failOn.rawValue)
                    document["failing_flows"] = .array(offending.map { .string($0.flow) })
                }
                terminal.outputJSON(.object(document))
            }
            if let failOn {
                if !offending.isEmpty {
                    terminal.message("error: reachable states of \(offending.map(\.flow).joined(separator: ", ")) come out \(failOn.rawValue.uppercased()) or worse")
                    throw ExitStatus.inputFailed
                }
                // A search that stopped early cannot show that no state comes out worse: say so where CI logs show it.
                let unfinished = analysis.flows.filter(\.isBounded)
                if !unfinished.isEmpty {
                    // Per flow: the states judged, why the search stopped, and whether raising
                    // --max-states helps there (only where that bound stopped it).
                    let stops = unfinished.map { "\($0.flow): \(counted($0.reachable, "state")) found, stopped \($0.bound!.reason)" }
                    let remedy = unfinished.allSatisfy { $0.bound!.isRaisedByMaxStates } ? "raise --max-states to judge more"
                        : unfinished.contains { $0.bound!.isRaisedByMaxStates } ? "raise --max-states for the flows it stopped; judge the others by review"
                        : "judge such flows by review"
                    terminal.message("warning: the search stopped before it covered every state, so --fail-on judged only the states "
                        + "found (\(stops.joined(separator: "; ")))\n  hint: \(remedy)")
                }
            }
        }

        /// The report when there is no migration to analyze: the sentence, or (JSON) an empty list
        /// of flows with the sentence as `note` (and on standard error), and the flow changes that
        /// need a migration as `unmigrated_changes`.
        private func outputNothingToAnalyze(_ sentence: String, unmigrated: [String]?, problems: [DirectoryIntegrity.Finding],
                                            terminal: Terminal) {
            guard format == .json else { return terminal.output(sentence) }
            terminal.message("note: " + sentence)
            var document = Self.problemFields(problems)
            document["flows"] = .array([])
            document["note"] = .string(sentence)
            if let failOn {
                document["fail_on"] = .string(failOn.rawValue)
                document["failing_flows"] = .array([])
            }
            if let unmigrated { document["unmigrated_changes"] = .array(unmigrated.map(JSONValue.string)) }
            terminal.outputJSON(.object(document))
        }

        /// The files that do not match `migrations.sum` (the analysis goes on with them as they are),
        /// as the JSON document's `migration_directory_problems`.
        private static func problemFields(_ problems: [DirectoryIntegrity.Finding]) -> [String: JSONValue] {
            problems.isEmpty ? [:] : ["migration_directory_problems": .array(problems.map(\.jsonValue))]
        }

        /// The flow changes since the base that need a migration, when the current configuration
        /// is given (-n/-f) inside a repository: a pull request that forgot its migration.
        private func unmigratedChanges(environment: [String: String]) -> [String]? {
            guard location.nodesDefinition != nil || ConfigLocationOptions.environmentNamesConfiguration(environment),
                  let source = try? location.source(environment: environment) else { return nil }
            let loader = location.loader(environment: environment, checksConsistency: false)
            guard let current = loader.load(from: source).configuration else { return nil }
            return Review.unmigratedChanges(to: current, context: try? GitContext(workingTree: source, resolvesRevisions: true), base: base,
                                           loader: loader.toleratingTraceErrors)
        }

        /// Why `migration` cannot have been generated from `configuration`: a flow it changes that
        /// the configuration lacks, an old edge index beyond the flow's edges, or another edge
        /// count than its `_meta.edge_counts` records.
        static func mismatch(of migration: Migration, with configuration: Configuration) -> String? {
            if case .object(let counts)? = migration.metadata?["edge_counts"] {
                for name in counts.keys.sorted() {
                    guard let old = counts[name]?["old"]?.intValue else { continue }
                    guard let flow = configuration.flows[name] else { return "the migration records flow '\(name)', which it does not define" }
                    if flow.edges.count != old {
                        return "flow '\(name)' has \(flow.edges.count) edge\(flow.edges.count == 1 ? "" : "s") there, and the migration "
                            + "was generated from \(old) (_meta.edge_counts)"
                    }
                }
            }
            for name in migration.flows.keys.sorted() {
                guard let flow = configuration.flows[name] else { return "the migration changes flow '\(name)', which it does not define" }
                let entry = migration.flows[name]!
                if let index = (Array(entry.translation.keys) + Array(entry.taintedEdges.keys)).filter({ $0 >= flow.edges.count }).min() {
                    return "the migration names edge \(index) of flow '\(name)', which has \(flow.edges.count) edge\(flow.edges.count == 1 ? "" : "s") there"
                }
            }
            return nil
        }

        private static func removedFlows(_ counts: JSONValue) -> [String] {
            guard case .object(let flows) = counts else { return [] }
            return flows.filter { $0.value["old"] != nil && $0.value["new"] == nil }.map(\.key)
        }

        /// `-m`, else `global.migration_dir` of the configuration given with `-n` (or by both
        /// `$SELINON_NODES_DEFINITION` and `$SELINON_FLOW_DEFINITIONS`, as for `verify`), else
        /// `migrations` (analyze needs no current configuration: half of one in the environment
        /// is not an error here).
        private func directoryPath(environment: [String: String], terminal: Terminal) throws -> String {
            if let migrationDirectory { return migrationDirectory }
            guard location.nodesDefinition != nil || ConfigLocationOptions.environmentNamesConfiguration(environment) else {
                return "migrations"
            }
            let loader = location.loader(environment: environment, checksConsistency: false)
            let current = try terminal.loadConfiguration(try location.source(environment: environment), with: loader, role: "current")
            return current.global.expandedMigrationDirectory ?? "migrations"
        }

        /// The configuration the states of `migration` were written against.
        private func configurationBefore(_ migration: Migration, environment: [String: String], terminal: Terminal) throws -> Configuration {
            let loader = location.loader(environment: environment).toleratingTraceErrors
            if let explicit = old.source(maxFileBytes: location.maxFileSize.bytes) {
                let configuration = try terminal.loadConfiguration(explicit, with: loader, role: "old")
                // The states must be those of the configuration the migration starts from.
                let hint = "give the configuration in-flight flows started with, the one before the migration, with -N/-F"
                /// Refuses the configuration: on standard error, and as the JSON document.
                func refuse(_ problem: String) -> ExitCode {
                    let message = "\(explicit.sourceDescription) is not the configuration this migration was generated from\(problem)"
                    terminal.message("error: \(message)\n  hint: \(hint)")
                    terminal.reportInvalidConfiguration(role: "old", source: explicit.sourceDescription, message: message, hint: hint,
                                                        diagnostics: [], mismatched: true)
                    return ExitStatus.inputFailed
                }
                if let recorded = migration.metadata?["digests"]?["old"]?.stringValue, recorded != StructureDigest.digest(of: configuration) {
                    throw refuse(" (\(migration.metadata?["old"]?.stringValue ?? "see its _meta.old")): its flows' edges differ")
                }
                // Without digests (--no-meta), the file's flows and edge indices must at least fit.
                if let mismatch = Self.mismatch(of: migration, with: configuration) { throw refuse(": \(mismatch)") }
                return configuration
            }
            var context: GitContext?
            if git {
                do {
                    context = try GitContext(workingTree: try location.source(environment: environment), resolvesRevisions: pending)
                } catch let error as GitError {
                    throw terminal.fail(error)
                }
            } else if location.nodesDefinition != nil {
                // -n/-f name the configuration, whose repository (if any) may hold _meta's revisions;
                // outside one, the revisions are not needed when _meta names files.
                context = try? GitContext(workingTree: try location.source(environment: environment), resolvesRevisions: false)
            } else {
                // The files `_meta` names (after generate, the working tree) lead to the repository.
                context = GitContext.fromRecordedPaths(of: [migration])
            }
            guard let description = migration.metadata?["old"]?.stringValue else {
                // Its digest still names the configuration: the history may hold it.
                if let digest = migration.metadata?["digests"]?["old"]?.stringValue, let context,
                   let configuration = ReviewConfigurations.configuration(withDigest: digest, in: context, loader: loader) {
                    return configuration
                }
                let recorded = migration.metadata?["old"] == nil ? "records no old configuration (_meta.old)"
                    : "records its old configuration as no text (_meta.old is not a string)"
                let searched = context == nil ? "; pass it with -N/-F, or --git with -n/-f inside the repository (found there by its digest)"
                    : ", and no configuration of the last \(ReviewConfigurations.searchDepth) commits has its digest; pass it with -N/-F"
                terminal.message("error: the migration \(recorded)\(searched)")
                throw ExitStatus.inputFailed
            }
            switch ReviewConfigurations.load(description, digest: migration.metadata?["digests"]?["old"]?.stringValue, git: context, loader: loader) {
            case .success(let configuration):
                // Found by name when the digests are missing: the edges must still fit.
                if let mismatch = Self.mismatch(of: migration, with: configuration) {
                    terminal.message("error: the configuration before the migration (\(description)) is not the one it was generated from: "
                        + "\(mismatch)\n  hint: pass the configuration in-flight flows started with, the one before the migration, with -N/-F")
                    throw ExitStatus.inputFailed
                }
                return configuration
            case .failure(let reason):
                let hint = context == nil ? "pass it with -N/-F, or --git with -n/-f inside the repository"
                    : reason.isRewritten ? "pass it with -N/-F: the configuration in-flight flows started with (a checkout of a commit "
                        + "that has it: git worktree add DIR REV); if the revision is on a branch this clone did not fetch, git fetch it"
                    : context!.repository.isShallow
                        ? "pass it with -N/-F (a checkout of it: git worktree add DIR REV), or fetch the history (git fetch --unshallow)"
                        : "pass it with -N/-F (a checkout of it: git worktree add DIR REV)"
                terminal.message("error: the configuration before the migration (\(description)): \(reason.text)\n  hint: \(hint)")
                if reason.isGitReadFailure { throw ExitStatus.toolFailed }
                // The command's one JSON document, as for a configuration given with -N/-F that cannot be loaded.
                terminal.reportInvalidConfiguration(role: "old", source: description, message: reason.text, hint: hint, diagnostics: [],
                                                    unavailable: true)
                throw ExitStatus.inputFailed
            }
        }
    }
}
