import ArgumentParser
import FlowConfig
import FlowMigration
import Foundation
import GitHistory
import FlowEngine
import MigrationGenerator
import MigrationReview
import Synchronization

extension SelinonMigrate {
    /// `review`: what migrations do, for the people who approve them.
    struct Review: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "review",
            abstract: "Show what migrations do to flows and to in-flight flows, for review.",
            discussion: """
                For each flow a migration changes: its old edges next to the new ones — kept, \
                renumbered (3 → 4), changed (condition or foreach), removed, added — with node names \
                and conditions in words, then what happens to in-flight flows ("A flow that already \
                ran Parse → Store (old edge 3) is tainted and will be RETRIED"), the warnings of \
                generate, what this migration alone does to every state the flow can reach before \
                it (when that configuration is available; analyze N goes on through the newest \
                migration, as apply does), and what the review could not show.

                Edges are named from the configurations: the one given with -n/-f (the configuration \
                after the newest migration), the ones _meta records (files that still exist, git \
                revisions — read through git with the paths of -n/-f), each used only when it matches \
                the digest in the migration; the rest is derived through the migrations.

                Formats: text; markdown (GitHub-flavoured, for a pull-request comment); json; dot \
                (one Graphviz graph per changed flow: added edges green, removed red and dashed, \
                renumbered labelled old→new, tainting sources highlighted). With --output-dir the \
                output goes to files there: review.md / review.txt / review.json, and with markdown \
                or dot migration-N-FLOW.dot per flow (plus .svg, linked from review.md, when \
                Graphviz's dot is installed), and standard output names the files written (with --format json: \
                {"written": [paths]}). review.md is written even when there is nothing to review, so \
                a CI job can always post it.

                Markdown longer than a GitHub comment allows (--comment-limit, 65536 characters) is \
                shortened: first the tables leave out edges that did not change, then the tables go, \
                then the sections per flow, and last each migration's summary is cut (its heading, \
                strategy and taint warning stay); a note at the end says what was left out.

                Examples:
                  selinon-migrate review -m migrations                 # the newest migration
                  selinon-migrate review 2 3 -m migrations -n nodes.yml -f flows \\
                      --format markdown
                  selinon-migrate review --pending -m migrations --format markdown  # a PR's

                Exit codes: 0 shown; 1 the migration directory is invalid, a version does not exist, \
                git cannot resolve the base, or --output-dir is a file; 2 a file could not be read \
                or written, or git failed (also a base a shallow clone lacks); 64 usage error (also an --output-dir that is the migration directory).
                """)

        @Argument(help: ArgumentHelp("Migration versions to review (default: the newest).", valueName: "version"))
        var versions: [Int] = []

        @Flag(help: "Review the migrations added since the base revision (what a pull request adds).")
        var pending = false

        @Option(help: ArgumentHelp("With --pending: the branch to compare with, at its merge base with HEAD (default: the upstream branch — the remote's default branch when the upstream is this branch's own copy — else HEAD).",
                                   valueName: "revision"))
        var base: String?

        @Option(name: [.customShort("m"), .customLong("migration-dir")],
                help: ArgumentHelp("The migration directory (default: global.migration_dir of -n, else 'migrations').", valueName: "dir"))
        var migrationDirectory: String?

        @OptionGroup(title: "Current configuration (optional)") var location: ConfigLocationOptions

        @Flag(help: "Require reading the configurations _meta records at git revisions (fail if git cannot).")
        var git = false

        @Option(help: "Output format: text, markdown, json, or dot.")
        var format: ReviewFormat = .text

        @Option(name: .customLong("output-dir"), help: ArgumentHelp("Write files into this directory (created if missing) instead of standard output.",
                                                                     valueName: "dir"))
        var outputDirectory: String?

        @Option(name: .customLong("comment-limit"), parsing: .unconditional,
                help: ArgumentHelp("Markdown: shorten the review to at most this many characters (at least 1000; 0: no limit; "
                                   + "default \(ReviewMarkdown.commentLimit)).", valueName: "characters"))
        var givenCommentLimit: Int?

        private var commentLimit: Int { givenCommentLimit ?? ReviewMarkdown.commentLimit }

        @Flag(help: "No progress display (shown on standard error while reachable states are explored for longer than a moment).")
        var quiet = false

        func validate() throws {
            try validateMigrationDirectory(migrationDirectory)
            if pending && !versions.isEmpty { throw ValidationError("Give versions or --pending, not both.") }
            if base != nil && !pending { throw ValidationError("--base goes with --pending.") }
            if versions.contains(where: { $0 < 1 }) { throw ValidationError("Migration versions start at 1.") }
            if outputDirectory?.isEmpty == true { throw ValidationError("--output-dir needs a directory name ('.' for this one).") }
            if commentLimit != 0 && commentLimit < 1_000 {
                throw ValidationError("--comment-limit must be 0 (no limit) or at least 1000 characters.")
            }
            if givenCommentLimit != nil && format != .markdown {
                throw ValidationError("--comment-limit shortens Markdown: it goes with --format markdown.")
            }
        }

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let terminal = Terminal(environment: environment, reportsInJSON: format == .json)
            let loader = location.loader(environment: environment)
            // Configurations at the migrations' revisions: read as the old ones of a comparison are.
            let revisionLoader = loader.toleratingTraceErrors
            var current: Configuration?
            var context: GitContext?
            if location.nodesDefinition != nil || environment["SELINON_NODES_DEFINITION"] != nil {
                let source = try location.source(environment: environment)
                current = try terminal.loadConfiguration(source, with: loader, role: "current")
                if git {
                    do {
                        context = try GitContext(workingTree: source, resolvesRevisions: pending)
                    } catch {
                        throw terminal.fail(error)
                    }
                } else {
                    context = try? GitContext(workingTree: source, resolvesRevisions: false)
                }
            } else if git {
                terminal.message("error: --git reads the configurations from the repository of the current one: pass it with -n/-f "
                    + "(or $SELINON_NODES_DEFINITION)")
                throw ExitCode.validationFailure
            }
            let directoryPath = migrationDirectory ?? current?.global.expandedMigrationDirectory ?? "migrations"
            try terminal.refuseMisplacedMigrationDirectory(directoryPath, configuration: context?.workingTree.nodesFile)
            // A review.json there would be read as a migration, by Selinon's workers and by every command.
            if let outputDirectory, OutputSink.wouldWrite(into: directoryPath, writingTo: (outputDirectory as NSString).appendingPathComponent("review")) {
                throw ValidationError("--output-dir \(outputDirectory) is the migration directory \(directoryPath), where every file "
                    + "is taken for a migration (or for a mistake, by verify and generate): give the review another directory.")
            }
            // With --pending, a directory that does not exist yet holds no added migration.
            if pending && !FileManager.default.fileExists(atPath: directoryPath) {
                terminal.message("note: there is no migration directory \(directoryPath), so no migration was added"
                    + (migrationDirectory == nil && current == nil ? " (pass -m, or -n to use global.migration_dir)" : ""))
            }
            let directory = try terminal.loadMigrationDirectory(directoryPath, allowMissing: pending)
            // The review shows the files as they are; say when they are not the ones generated.
            let problems = terminal.warnAboutIntegrity(of: directoryPath)
            let (selected, warning) = try selectedVersions(directory, at: directoryPath, terminal: terminal)
            guard !selected.isEmpty else {
                let unmigrated = pending ? Self.unmigratedChanges(to: current, context: context, base: base, loader: revisionLoader) : nil
                try writeNothingToReview(in: directoryPath, notes: ReviewNotes(warning: warning, unmigrated: unmigrated, problems: problems),
                                         terminal: terminal)
                return
            }

            // Without -n/-f, the files `_meta` names (after generate, the working tree) lead to the
            // repository that holds its revisions, so that the review is whole.
            if context == nil && current == nil {
                context = GitContext.fromRecordedPaths(of: directory.files.map(\.migration))
            }
            let configurations = ReviewConfigurations(directory: directory, versions: selected, current: current, git: context, loader: revisionLoader)
            if git && !configurations.gitReadFailures.isEmpty {
                for failure in configurations.gitReadFailures { terminal.message("error: \(failure)") }
                terminal.message("  hint: " + (context?.repository.isShallow == true ? "fetch the history (git fetch --unshallow), or " : "")
                    + "review without --git (what cannot be read is named)")
                throw ExitStatus.toolFailed
            }
            let reviews = selected.map { version in
                var review = MigrationReviewer.review(version: version, migration: directory.files[version - 1].migration,
                                                      old: configurations.edgesAfter[version - 1], new: configurations.edgesAfter[version],
                                                      derived: (configurations.derived.contains(version - 1), configurations.derived.contains(version)),
                                                      oldConfiguration: configurations.configurationAfter[version - 1],
                                                      newConfiguration: configurations.configurationAfter[version],
                                                      limitations: configurations.notes[version] ?? [])
                // With both configurations as loaded, what changed besides the edges (failures, nowait, …).
                if let before = configurations.configurationAfter[version - 1], let after = configurations.configurationAfter[version],
                   !configurations.derived.contains(version - 1), !configurations.derived.contains(version) {
                    review.otherChanges = ConfigurationDiff(from: before, to: after).flows.flatMap { flow in
                        (flow.failures + flow.options).map { "\(flow.flow): \($0)" }
                    }
                }
                // With the configuration the states were written against, every reachable state is tried.
                if let before = configurations.configurationAfter[version - 1] {
                    let display = ProgressDisplay(unit: "flows", quiet: quiet, alwaysSummarize: false)
                    let analysis = MigrationAnalysis(configuration: before, flows: review.flows.map(\.flow),
                                                     chain: MigrationChain(migrations: [directory.files[version - 1].migration]), version: 0,
                                                     options: .init(maxStates: 2_000), progress: { display.update(done: $0.flowsDone, total: $0.flows) })
                    display.finish()
                    for result in analysis.flows {
                        if let position = review.flows.firstIndex(where: { $0.flow == result.flow }) {
                            review.flows[position].reachableStates = result.sentence
                            review.flows[position].reachableStateFacts = .object(result.facts)
                            // Every state was tried: what no state meets is said as such.
                            if !result.isBounded {
                                review.flows[position].settle(taintingEdges: result.taintingEdges, armedEdges: result.armedEdges)
                            }
                        }
                    }
                }
                return review
            }
            try write(reviews, directoryPath: directoryPath, notes: ReviewNotes(warning: warning, unmigrated: nil, problems: problems),
                      terminal: terminal)
        }

        /// What the review says besides the migrations: `warning` (a base that fell back to HEAD,
        /// a branch that edited migrations), `unmigrated` (flow changes since the base that need a
        /// migration none was added for), `problems` (files that do not match `migrations.sum`).
        struct ReviewNotes {
            var warning: String?
            var unmigrated: [String]?
            var problems: [DirectoryIntegrity.Finding]

            /// The notes as fields of the JSON document (none when there is nothing to say).
            var jsonFields: [String: JSONValue] {
                var fields: [String: JSONValue] = [:]
                if let warning { fields["warning"] = .string(warning) }
                if let unmigrated { fields["unmigrated_changes"] = .array(unmigrated.map(JSONValue.string)) }
                if !problems.isEmpty { fields["migration_directory_problems"] = .array(problems.map(\.jsonValue)) }
                return fields
            }
        }

        /// The versions to review, and (with --pending) a warning for the reader when the branch
        /// also edited or removed migrations the base has.
        private func selectedVersions(_ directory: MigrationDirectory, at directoryPath: String, terminal: Terminal)
            throws -> (versions: [Int], warning: String?) {
            if !pending {
                let wanted = versions.isEmpty ? (directory.latestVersion > 0 ? [directory.latestVersion] : []) : versions
                if let missing = wanted.first(where: { $0 > directory.latestVersion }) {
                    terminal.message("error: there is no migration \(missing) in \(directoryPath) (the newest is \(directory.latestVersion))")
                    throw ExitStatus.inputFailed
                }
                return (Array(Set(wanted)).sorted(), nil)
            }
            let pending = try terminal.migrationsSinceBase(directory, at: directoryPath, base: base)
            if let warning = pending.editWarning { terminal.message("warning: " + warning) }
            return (pending.added, pending.warning)
        }

        /// What the formats for people say when no migration is selected; `unmigrated` names the
        /// flow changes since the base that need one (a pull request that forgot it).
        /// `limit` (Markdown for a comment): the characters the text may take; the changes listed
        /// are cut to fit, and the text says how many were left out.
        private func nothingToReview(in directoryPath: String, unmigrated: [String]? = nil, markdown: Bool = false, limit: Int? = nil) -> String {
            guard pending else { return "There are no migrations in \(directoryPath)." }
            guard let changes = unmigrated else { return "No migrations were added since the base." }
            let commands = markdown ? ("`selinon-migrate check`", "`selinon-migrate generate`") : ("selinon-migrate check", "selinon-migrate generate")
            func text(_ shown: Int) -> String {
                let listed = changes.prefix(shown).joined(separator: "; ")
                let rest = shown < changes.count ? "; … and \(changes.count - shown) more (--comment-limit 0 gives all)" : ""
                return "No migrations were added since the base, but the flows changed in a way that needs one: "
                    + "\(markdown ? MarkdownText.escaped(listed) : listed)\(rest). \(commands.0) fails until \(commands.1) adds it."
            }
            var shown = changes.count
            while shown > 0, let limit, text(shown).utf16.count > limit { shown -= 1 }
            return text(shown)
        }

        private func writeNothingToReview(in directoryPath: String, notes: ReviewNotes, terminal: Terminal) throws {
            if format == .dot { terminal.message("note: \(nothingToReview(in: directoryPath, unmigrated: notes.unmigrated)) No graphs were written.") }
            try write([], directoryPath: directoryPath, notes: notes, terminal: terminal)
        }

        /// The flow changes since the branch's base that need a migration, when the configuration
        /// is given inside a repository and the base's can be read; nil otherwise.
        static func unmigratedChanges(to current: Configuration?, context: GitContext?, base: String?,
                                      loader: ConfigurationLoader) -> [String]? {
            guard let current, let context, let branchBase = try? context.base(base) else { return nil }
            let source = GitConfigurationSource(repository: context.repository, paths: context.paths,
                                                location: .revision(branchBase.commit, label: branchBase.label))
            guard let old = try? loader.load(source.read()).configuration else { return nil }
            let plan = MigrationDiffer().plan(from: old, to: current, strategy: .ignore)
            return plan.isNeeded ? plan.changeSummaries : nil
        }

        /// Writes the reviews to standard output, or as files into `--output-dir`; the notes' warning
        /// (a branch that edited migrations) heads the documents for people, so a PR comment shows
        /// it, and JSON has every note as fields of its own.
        private func write(_ reviews: [ReviewedMigration], directoryPath: String, notes: ReviewNotes, terminal: Terminal) throws {
            let warning = notes.warning, unmigrated = notes.unmigrated
            var written: [String] = []
            do {
                var graphs: [Int: [String: String]] = [:]
                if let outputDirectory {
                    try Self.prepare(outputDirectory)
                    // The document is written last: a path it cannot take is refused before the graphs are written.
                    if let documentFile = format.documentFile {
                        var isDirectory: ObjCBool = false
                        let path = (outputDirectory as NSString).appendingPathComponent(documentFile)
                        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                            throw OutputSinkError(path: path, reason: "it is a directory; remove it, or give another --output-dir", isWrongPath: true)
                        }
                    }
                    if format == .dot || format == .markdown {
                        var renderer = GraphFiles(directory: outputDirectory)
                        for review in reviews {
                            for flow in review.flows {
                                if let svg = try renderer.write(flow, version: review.version, terminal: terminal, recordingIn: &written) {
                                    graphs[review.version, default: [:]][flow.flow] = svg
                                }
                            }
                        }
                    }
                }
                let document: (text: String, file: String)?
                switch format {
                case .text:
                    let text = reviews.isEmpty ? nothingToReview(in: directoryPath, unmigrated: unmigrated)
                        : reviews.map(ReviewText.render).joined(separator: "\n\n")
                    document = ((warning.map { "warning: " + $0 + "\n\n" } ?? "") + text, format.documentFile!)
                case .markdown:
                    let heading = warning.map { "> [!WARNING]\n> " + $0 + "\n\n" } ?? ""
                    let limit = commentLimit == 0 ? nil : max(commentLimit - heading.utf16.count, 0)
                    let rendered = ReviewMarkdown.render(reviews, graphs: graphs, characterLimit: limit)
                    if let omission = rendered.omission {
                        terminal.message("note: the Markdown was shortened to fit \(commentLimit) characters (\(omission)); "
                            + "--comment-limit 0 gives all of it")
                    }
                    let nothing = nothingToReview(in: directoryPath, unmigrated: unmigrated, markdown: true, limit: limit)
                    document = (heading + (reviews.isEmpty ? nothing : rendered.text), format.documentFile!)
                case .json:
                    let json = JSONWriter.pretty(.object(notes.jsonFields.merging(["migrations": .array(reviews.map(\.jsonValue))]) { _, new in new }))
                    // Both outputs add the final newline.
                    document = (String(decoding: json.last == UInt8(ascii: "\n") ? json.dropLast() : json[...], as: UTF8.self), format.documentFile!)
                case .dot:
                    document = nil
                    if outputDirectory == nil {
                        terminal.output(reviews.flatMap { review in review.flows.map { ReviewGraph.dot($0, version: review.version) } }.joined())
                    }
                }
                guard let outputDirectory else {
                    if let document { format == .json ? terminal.outputJSON(text: document.text) : terminal.output(document.text) }
                    return
                }
                if let document {
                    let path = (outputDirectory as NSString).appendingPathComponent(document.file)
                    try OutputSink.write(Array((document.text + "\n").utf8), to: path)
                    written.append(path)
                }
                // Standard output names the files; in JSON as one document, as every JSON output is.
                if format == .json {
                    terminal.outputJSON(.object(["written": .array(written.map(JSONValue.string))]))
                } else {
                    written.forEach { terminal.output($0) }
                }
            } catch {
                terminal.message(error is OutputSinkError || error is OutputDirectoryError ? "error: \(error)" + OutputSinkError.hintLine(of: error)
                    : "error: cannot write into \(outputDirectory ?? "-"): \(OutputSink.reason(error))")
                // Each file is written whole, but the set is not: say which are this run's.
                if !written.isEmpty {
                    terminal.message("note: written before the error, each whole: \(written.joined(separator: ", ")); the review "
                        + "is not complete without \(format.documentFile ?? "the rest") — run again once the error is fixed (a CI step "
                        + "must not publish the directory as it is)")
                }
                throw OutputSinkError.exitStatus(of: error)
            }
        }

        /// Creates the output directory unless it exists — one level, as every output of the tool:
        /// a missing directory above it is more likely a typo; refuses a file there or in the way
        /// above it.
        private static func prepare(_ directory: String) throws {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else { throw OutputDirectoryError(path: directory) }
                return
            }
            // A symbolic link that leads nowhere: not followed into being, nor replaced (also
            // named with a trailing slash, which readlink does not take).
            var link = Substring(directory)
            while link.count > 1 && link.hasSuffix("/") { link = link.dropLast() }
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: String(link)) {
                throw OutputDirectoryError(path: directory, brokenLinkTarget: target, brokenLink: directory)
            }
            let parent = parentDirectory(of: directory)
            var above = parent
            isDirectory = true
            while !above.isEmpty && above != "/" && !FileManager.default.fileExists(atPath: above, isDirectory: &isDirectory) {
                // A link above it that leads nowhere would be in the way of creating the directory.
                if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: above) {
                    throw OutputDirectoryError(path: directory, brokenLinkTarget: target, brokenLink: above)
                }
                above = parentDirectory(of: above)
                isDirectory = true
            }
            if !above.isEmpty && above != "/" && !isDirectory.boolValue { throw OutputDirectoryError(path: directory, fileInTheWay: above) }
            if above != parent { throw OutputDirectoryError(path: directory, missingParent: parent) }
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        }
    }
}

/// `--output-dir` names something that is not a directory, a path below a file, or one whose
/// parent directory does not exist.
struct OutputDirectoryError: Error, CustomStringConvertible {
    var path: String
    /// The file above `path` that keeps it from being created.
    var fileInTheWay: String?
    /// The directory `path` would be created in, which does not exist.
    var missingParent: String?
    /// What the symbolic link `brokenLink` (`path`, or a directory above it) names — nothing
    /// there, or a loop.
    var brokenLinkTarget: String?
    var brokenLink: String?

    var description: String {
        if let brokenLinkTarget {
            let link = brokenLink == nil || brokenLink == path ? "\(path) is" : "\(path) cannot be created: \(brokenLink!), above it, is"
            return "--output-dir \(link) a symbolic link to \(brokenLinkTarget), which does not exist (or leads back to itself); "
                + "create the directory it names, or give another one"
        }
        if let fileInTheWay {
            return "--output-dir \(path) cannot be created: \(fileInTheWay) is a file, not a directory; give another directory"
        }
        if let missingParent {
            return "--output-dir \(path) cannot be created: the directory \(missingParent) does not exist (only the last directory "
                + "of the path is created: a missing one above it is more likely a typo); create it first, or give another directory"
        }
        return "--output-dir \(path) is a file, not a directory; give a directory (it is created if missing)"
    }
}

/// Writes flows' graphs as DOT and, when Graphviz's `dot` is installed, as SVG next to them,
/// one file name per flow (`migration-N-FLOW`), kept short enough for any file system and
/// never shared by two flows.
struct GraphFiles {
    let directory: String
    /// The file names (without extension) given so far.
    private var stems: Set<String> = []

    init(directory: String) {
        self.directory = directory
    }

    /// The `dot` program, if installed.
    static let dotProgram: String? = {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/dot"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }()

    /// At most this many bytes of a file name come from the flow's name (file systems allow 255).
    static let maximumNameBytes = 200

    /// `migration-N-FLOW` with characters other than letters, digits, `_` and `-` replaced by
    /// `_`, the name cut to ``maximumNameBytes``, and `-2`, `-3`… added when taken.
    private mutating func stem(for flow: String, version: Int) -> String {
        var name = ""
        for character in flow.map({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" }) {
            guard name.utf8.count + String(character).utf8.count <= Self.maximumNameBytes else { break }
            name.append(character)
        }
        let base = "migration-\(version)-\(name)"
        var stem = base
        var suffix = 2
        while stems.contains(stem) {
            stem = "\(base)-\(suffix)"
            suffix += 1
        }
        stems.insert(stem)
        return stem
    }

    /// Writes `migration-N-FLOW.dot` (and `.svg`), each path added to `written` once its file is
    /// (so that a failure part way knows what it left); returns the SVG's file name.
    mutating func write(_ flow: FlowReview, version: Int, terminal: Terminal, recordingIn written: inout [String]) throws -> String? {
        let stem = stem(for: flow.flow, version: version)
        let dotPath = (directory as NSString).appendingPathComponent(stem + ".dot")
        try OutputSink.write(Array(ReviewGraph.dot(flow, version: version).utf8), to: dotPath)
        written.append(dotPath)
        guard let program = Self.dotProgram, !dotCannotRun else { return nil }
        let svg: [UInt8]
        switch Self.drawSVG(of: dotPath, with: program) {
        case .drawn(let bytes):
            svg = bytes
        case .refused(let message):
            terminal.message("warning: dot could not draw \(dotPath): \(message)")
            return nil
        case .cannotRun(let reason):
            // Once dot cannot start, it will not start for the next flow either: said once.
            dotCannotRun = true
            terminal.message("warning: cannot run \(program) to draw the graphs as SVG (\(reason)); "
                + "only the .dot files are written")
            return nil
        }
        // dot writes its SVG to a pipe, and the file is written here: dot ignores a full disk
        // when it writes a file itself (it exits 0 and leaves an empty or cut file).
        let svgPath = (directory as NSString).appendingPathComponent(stem + ".svg")
        try OutputSink.write(svg, to: svgPath)
        written.append(svgPath)
        return stem + ".svg"
    }

    /// Set once `dot` failed to start.
    private var dotCannotRun = false

    /// What running `dot -Tsvg` on a DOT file gave.
    enum Drawing {
        /// The SVG, read from dot's standard output.
        case drawn([UInt8])
        /// dot ran and failed: what it said.
        case refused(String)
        /// dot did not start: why, in words.
        case cannotRun(String)
    }

    /// Runs `program -Tsvg dotPath`, reading its standard output and standard error at once (a
    /// large SVG fills a pipe that nobody reads, and dot would wait for ever).
    static func drawSVG(of dotPath: String, with program: String) -> Drawing {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        // A path that starts with "-" (an --output-dir given so) would be read as an option.
        process.arguments = ["-Tsvg", dotPath.hasPrefix("-") ? "./" + dotPath : dotPath]
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            return .cannotRun(reasonDotCannotRun(error))
        }
        let standardError = DrainedPipe(errors.fileHandleForReading)
        let svg = output.fileHandleForReading.readDataToEndOfFile()
        let complaint = String(decoding: standardError.wait(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let status = process.terminationReason == .exit
                ? "exit status \(process.terminationStatus)" : "signal \(process.terminationStatus)"
            return .refused(complaint.isEmpty ? status : complaint)
        }
        guard !svg.isEmpty else { return .refused(complaint.isEmpty ? "it wrote nothing" : complaint) }
        return .drawn(Array(svg))
    }

    /// A pipe read to its end on a thread of its own, while the caller reads another one.
    private final class DrainedPipe: Sendable {
        private let bytes = Mutex(Data())
        private let finished = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            Thread { [self] in
                let read = handle.readDataToEndOfFile()
                bytes.withLock { $0 = read }
                finished.signal()
            }.start()
        }

        /// Everything read, once the writer closed the pipe.
        func wait() -> Data {
            finished.wait()
            return bytes.withLock { $0 }
        }
    }

    /// Why `dot` did not start; with the open-file limit when running out of descriptors is
    /// the likely cause (starting a process needs a few, and Foundation refuses with "Bad file
    /// descriptor" under a low limit).
    private static func reasonDotCannotRun(_ error: any Error) -> String {
        let reason = FileSystemReason.describe(error)
        let code = (error as NSError).domain == NSPOSIXErrorDomain ? Int32((error as NSError).code) : 0
        guard [EBADF, EMFILE, ENFILE].contains(code) else { return reason }
        guard let limit = OpenFileLimit.current else { return reason }
        return "\(reason); the open-file limit is \(limit): raise it, for example ulimit -n 1024"
    }
}
