import ArgumentParser
import FlowConfig
import FlowMigration
import Foundation
import GitHistory
import FlowEngine
import MigrationReview

extension SelinonMigrate {
    /// `review`: what migrations do, for the people who approve them.
    struct Review: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what migrations do to flows and to in-flight flows, for review.",
            discussion: """
                For each flow a migration changes: its old edges next to the new ones — kept, \
                renumbered (3 → 4), changed (condition or foreach), removed, added — with node names \
                and conditions in words, then what happens to in-flight flows ("A flow that already \
                ran Parse → Store (old edge 3) is tainted and will be RETRIED"), the warnings of \
                generate, what the migration does to every state the flow can reach (as analyze \
                reports it; when the configuration before the migration is available), and what \
                the review could not show.

                Edges are named from the configurations: the one given with -n/-f (the configuration \
                after the newest migration), the ones _meta records (files that still exist, git \
                revisions — read through git with the paths of -n/-f), each used only when it matches \
                the digest in the migration; the rest is derived through the migrations.

                Formats: text; markdown (GitHub-flavoured, for a pull-request comment); json; dot \
                (one Graphviz graph per changed flow: added edges green, removed red and dashed, \
                renumbered labelled old→new, tainting sources highlighted). With --output-dir the \
                output goes to files there: review.md / review.txt / review.json, and \
                migration-N-FLOW.dot per flow (plus .svg, linked from review.md, when Graphviz's dot \
                is installed).

                Examples:
                  selinon-migrate review -m migrations                 # the newest migration
                  selinon-migrate review 2 3 -m migrations -n nodes.yml -f flows --format markdown
                  selinon-migrate review --pending -m migrations --format markdown   # what a PR adds

                Exit codes: 0 shown; 1 the migration directory is invalid, a version does not exist, \
                or git cannot resolve the base; 2 a file could not be read or written; 64 usage error.
                """)

        @Argument(help: ArgumentHelp("Migration versions to review (default: the newest).", valueName: "version"))
        var versions: [Int] = []

        @Flag(help: "Review the migrations added since the base revision (what a pull request adds).")
        var pending = false

        @Option(help: ArgumentHelp("With --pending: the base revision (default: merge base with the upstream branch, else HEAD).",
                                   valueName: "revision"))
        var base: String?

        @Option(name: [.customShort("m"), .customLong("migration-dir")],
                help: ArgumentHelp("The migration directory.", valueName: "dir"))
        var migrationDirectory: String = "migrations"

        @OptionGroup(title: "Current configuration (optional)") var location: ConfigLocationOptions

        @Flag(help: "Require reading the configurations _meta records at git revisions (fail if git cannot).")
        var git = false

        @Option(help: "Output format: text, markdown, json, or dot.")
        var format: ReviewFormat = .text

        @Option(name: .customLong("output-dir"), help: ArgumentHelp("Write files into this directory instead of standard output.",
                                                                     valueName: "dir"))
        var outputDirectory: String?

        func validate() throws {
            if pending && !versions.isEmpty { throw ValidationError("Give versions or --pending, not both.") }
            if base != nil && !pending { throw ValidationError("--base goes with --pending.") }
            if versions.contains(where: { $0 < 1 }) { throw ValidationError("Migration versions start at 1.") }
        }

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let terminal = Terminal(environment: environment)
            let directory = try terminal.loadMigrationDirectory(migrationDirectory)
            let selected = try selectedVersions(directory, terminal: terminal)
            guard !selected.isEmpty else {
                terminal.output(pending ? "no migrations were added since the base" : "no migrations in \(migrationDirectory)")
                return
            }

            let loader = ConfigurationLoader(options: .init(environment: environment))
            var current: Configuration?
            var context: GitContext?
            if location.nodesDefinition != nil || environment["SELINON_NODES_DEFINITION"] != nil {
                let source = try location.source(environment: environment)
                current = try terminal.loadConfiguration(source, with: loader, role: "current")
                context = try? GitContext(workingTree: source)
            }
            if git && context == nil {
                terminal.message("error: --git needs the configuration's paths inside a git repository: pass -n/-f from the working tree")
                throw ExitStatus.inputFailed
            }
            let configurations = ReviewConfigurations(directory: directory, versions: selected, current: current, git: context, loader: loader)
            let reviews = selected.map { version in
                var review = MigrationReviewer.review(version: version, migration: directory.files[version - 1].migration,
                                                      old: configurations.edgesAfter[version - 1], new: configurations.edgesAfter[version],
                                                      limitations: configurations.notes[version] ?? [])
                // With the configuration the states were written against, every reachable state is tried.
                if let before = configurations.configurationAfter[version - 1] {
                    let analysis = MigrationAnalysis(configuration: before, flows: review.flows.map(\.flow),
                                                     chain: MigrationChain(migrations: [directory.files[version - 1].migration]), version: 0,
                                                     options: .init(maxStates: 2_000))
                    for result in analysis.flows {
                        if let position = review.flows.firstIndex(where: { $0.flow == result.flow }) {
                            review.flows[position].reachableStates = result.sentence
                        }
                    }
                }
                return review
            }
            try write(reviews, terminal: terminal)
        }

        private func selectedVersions(_ directory: MigrationDirectory, terminal: Terminal) throws -> [Int] {
            if !pending {
                let wanted = versions.isEmpty ? (directory.latestVersion > 0 ? [directory.latestVersion] : []) : versions
                if let missing = wanted.first(where: { $0 > directory.latestVersion }) {
                    terminal.message("error: there is no migration \(missing) in \(migrationDirectory) (the newest is \(directory.latestVersion))")
                    throw ExitStatus.inputFailed
                }
                return Array(Set(wanted)).sorted()
            }
            do {
                let repository = try GitRepository(containing: migrationDirectory)
                let branchBase = try repository.branchBase(base)
                if let note = branchBase.note { terminal.message(note) }
                let atBase = try repository.migrationFiles(in: migrationDirectory, at: branchBase.commit)
                return directory.files.map(\.version).filter { atBase[$0] == nil }
            } catch {
                throw terminal.fail(error)
            }
        }

        private func write(_ reviews: [MigrationReview], terminal: Terminal) throws {
            guard let outputDirectory else {
                switch format {
                case .text: terminal.output(reviews.map(ReviewText.render).joined(separator: "\n\n"))
                case .markdown: terminal.output(reviews.map { ReviewMarkdown.render($0) }.joined(separator: "\n\n---\n\n"))
                case .json: terminal.output(String(decoding: JSONWriter.pretty(.object(["migrations": .array(reviews.map(\.jsonValue))])), as: UTF8.self))
                case .dot: terminal.output(reviews.flatMap { review in review.flows.map { ReviewGraph.dot($0, version: review.version) } }.joined())
                }
                return
            }
            do {
                try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
                var written: [String] = []
                var graphs: [Int: [String: String]] = [:]
                if format == .dot || format == .markdown {
                    let renderer = GraphFiles(directory: outputDirectory)
                    for review in reviews {
                        for flow in review.flows {
                            let files = try renderer.write(flow, version: review.version, terminal: terminal)
                            written += files.written
                            if let svg = files.svg { graphs[review.version, default: [:]][flow.flow] = svg }
                        }
                    }
                }
                let text: String?
                let name: String
                switch format {
                case .text: (text, name) = (reviews.map(ReviewText.render).joined(separator: "\n\n"), "review.txt")
                case .markdown: (text, name) = (reviews.map { ReviewMarkdown.render($0, graphs: graphs[$0.version] ?? [:]) }
                    .joined(separator: "\n\n---\n\n"), "review.md")
                case .json: (text, name) = (String(decoding: JSONWriter.pretty(.object(["migrations": .array(reviews.map(\.jsonValue))])),
                                                   as: UTF8.self), "review.json")
                case .dot: (text, name) = (nil, "")
                }
                if let text {
                    let path = (outputDirectory as NSString).appendingPathComponent(name)
                    let sink = try OutputSink(path: path)
                    try sink.write(Array((text + "\n").utf8))
                    try sink.commit()
                    written.append(path)
                }
                written.forEach(terminal.output)
            } catch {
                terminal.message(error is OutputSinkError ? "error: \(error)" : "error: cannot write into \(outputDirectory): \(error)")
                throw ExitStatus.toolFailed
            }
        }
    }
}

/// Writes a flow's graph as DOT and, when Graphviz's `dot` is installed, as SVG next to it.
struct GraphFiles {
    let directory: String

    /// The `dot` program, if installed.
    static let dotProgram: String? = {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/dot"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }()

    /// Writes `migration-N-FLOW.dot` (and `.svg`); returns the paths written and the SVG's file name.
    func write(_ flow: FlowReview, version: Int, terminal: Terminal) throws -> (written: [String], svg: String?) {
        let stem = "migration-\(version)-\(flow.flow.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" }.map(String.init).joined())"
        let dotPath = (directory as NSString).appendingPathComponent(stem + ".dot")
        let sink = try OutputSink(path: dotPath)
        try sink.write(Array(ReviewGraph.dot(flow, version: version).utf8))
        try sink.commit()
        guard let program = Self.dotProgram else { return ([dotPath], nil) }
        let svgPath = (directory as NSString).appendingPathComponent(stem + ".svg")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = ["-Tsvg", dotPath, "-o", svgPath]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            terminal.message("warning: dot could not draw \(dotPath): \(String(decoding: message, as: UTF8.self))")
            return ([dotPath], nil)
        }
        return ([dotPath, svgPath], stem + ".svg")
    }
}
