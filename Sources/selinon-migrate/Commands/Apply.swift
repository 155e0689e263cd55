import ArgumentParser
import FlowConfig
import FlowMigration
import FlowStore
import Foundation
import MigrationGenerator
import MigrationReview

extension SelinonMigrate {
    /// `apply`: bring in-flight dispatcher messages up to the newest migration.
    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "apply",
            abstract: "Bring in-flight flows — in a store, or dispatcher messages as JSON lines — up to the newest migration.",
            discussion: """
                Store (the default, without --input): migrates every flow of the store below the \
                newest migration in batches of --batch-size, one transaction per batch; a row is \
                written only if nobody changed it since it was read (a row changed meanwhile is \
                read and migrated again). RETRY resets the message (state null, newest version, \
                status retry_requested), FAIL marks the flow failed and keeps its last state, \
                IGNORE migrates and records the taints; each of these changes is appended to the \
                store's migration_events. Rows newer than these migrations (skew: a newer deployment wrote \
                them) and failed flows are left untouched. After a crash, run it again: it resumes; \
                running it twice changes nothing. The impact report (counts per flow and outcome, up \
                to 5 example flow ids with their taints per outcome) goes to standard output; \
                --dry-run prints it without writing.

                Stream (--input): reads one dispatcher message per line — the keyword arguments \
                Selinon's dispatcher task receives (flow_name, migration_version, state, node_args, \
                selective, …) — and writes one line per input line, in order: the migrated message; \
                for a RETRY taint the restarted message (state null, latest version); unchanged for \
                up-to-date, FAIL, skew and unreadable lines, and for lines export wrote for a \
                failed flow (already_failed). Only the edge lists, the version and \
                the state and retry of a restart are rewritten; every other byte is kept. The report \
                (--report) has one JSON line per input line: line, flow_name, outcome (up_to_date, \
                migrated, retry, fail, skew, invalid, already_failed), from_version, to_version, tainted, taints \
                (version, kind edge|nodes|flow-removed, edge, from/to, nodes or flow, strategy) and, for \
                invalid lines, error. A summary per flow and outcome goes to standard error. Empty \
                lines (as import skips them) are copied as they are and neither reported nor counted.

                Each migration file says what happens to a flow it taints (IGNORE, RETRY, FAIL); the \
                most severe strategy among the taints of the whole chain wins. --policy overrides \
                the files for one flow (FLOW=fail) or all flows ('*=retry'); an override is stronger \
                than the files, in both directions, and a per-flow override beats '*'.

                Examples:
                  selinon-migrate apply -m migrations --store sqlite:.selinon/flows.sqlite \\
                      --dry-run
                  selinon-migrate apply -m migrations --input states.jsonl \\
                      --output migrated.jsonl --report report.jsonl --policy '*=retry'

                Before touching anything, the migration files are checked against migrations.sum: \
                an edited, renumbered or hand-added file, or a directory of migrations without the \
                sum (after review: selinon-migrate rehash), stops apply (exit 1) unless --force; \
                a --dry-run warns and shows what they would do.

                Exit codes: 0 done (the store: every pending flow migrated, retried, failed or left \
                as skew; a stream: every line migrated, up to date, reset for a retry, or already \
                failed); 1 a \
                flow's state is unreadable or does not fit its flow (and, for a stream, a line came \
                out fail or skew), the migration directory is invalid, the input file does not \
                exist or is a directory, an output's directory does not exist (or is a file), or there is no \
                store at the location; 2 a file or the store could not be read \
                or written; 64 usage error.
                """)

        @Option(name: [.customShort("m"), .customLong("migration-dir")],
                help: ArgumentHelp("The migration directory (1.json, 2.json, …).", valueName: "dir"))
        var migrationDirectory: String

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: ArgumentHelp("Migrate dispatcher messages, one JSON object per line ('-' for standard input), instead of a store.",
                                   valueName: "file"))
        var input: String?

        @Option(help: ArgumentHelp("With --input: where the migrated messages go ('-', the default: standard output; not with --dry-run, which writes none).", valueName: "file"))
        var output: String?

        /// Where migrated messages go: standard output unless --output names a file.
        private var messagesOutput: String { output ?? "-" }
        /// Where a stream's report goes: --report, else standard output for a dry run (nowhere otherwise).
        private var reportOutput: String? { report ?? (dryRun ? "-" : nil) }

        @Option(help: ArgumentHelp("With --input: where the per-line report goes ('-' for standard output; with --dry-run, the default).", valueName: "file"))
        var report: String?

        @Option(parsing: .singleValue,
                help: ArgumentHelp("Override the files' strategy: FLOW=ignore|retry|fail, or '*=…' for every flow (repeatable).",
                                   valueName: "flow=strategy"),
                transform: PolicyOverride.parse)
        var policy: [PolicyOverride] = []

        @Flag(name: .customLong("dry-run"),
              help: "Write nothing: print the store's impact report, or (with --input) only the per-line report.")
        var dryRun = false

        @Option(name: .customLong("batch-size"), parsing: .unconditional,
                help: ArgumentHelp("Store: flows per transaction at most (fewer when the states are large). (default: 500)", valueName: "n"))
        var batchSize: Int?

        @Option(help: "Store: the report's format, text (the default) or json, to standard output.")
        var format: OutputFormat?

        @Flag(help: "No progress display.")
        var quiet = false

        @Flag(help: "Apply even when the migration files do not match migrations.sum, or there is none (edited, renumbered, unreviewed). Loud.")
        var force = false

        func validate() throws {
            try validateMigrationDirectory(migrationDirectory)
            var named = Set<String>()
            if let twice = policy.map(\.flow).first(where: { !named.insert($0).inserted }) {
                throw ValidationError("--policy names \(twice == "*" ? "'*' (every flow)" : "flow '\(twice)'") twice; give one strategy per flow.")
            }
            if input?.isEmpty == true { throw ValidationError("--input needs a file name ('-' for standard input).") }
            if input != nil {
                if storeOptions.store != nil { throw ValidationError("--input and --store exclude each other: migrate a stream or a store.") }
                if dryRun && output != nil {
                    throw ValidationError("--dry-run writes no messages, so --output has nothing to write: drop it (the per-line "
                        + "report goes to --report, standard output by default).")
                }
                if !dryRun && OutputSink.isStandardOutput(messagesOutput) && report.map(OutputSink.isStandardOutput) == true {
                    throw ValidationError("--output and --report cannot both be standard output.")
                }
                if !dryRun && OutputSink.isStandardError(messagesOutput) && report.map(OutputSink.isStandardError) == true {
                    throw ValidationError("--output and --report cannot both be standard error: their lines would run into each other.")
                }
                if output?.isEmpty == true || report?.isEmpty == true { throw ValidationError("--output and --report need a file name ('-' for standard output).") }
                // The next apply would refuse the directory (or, for a sum, take the file for an edit).
                for (option, path) in [("--output", output), ("--report", report)] {
                    if let path, OutputSink.wouldWrite(into: migrationDirectory, writingTo: path) {
                        throw ValidationError("\(option) names a file in the migration directory ('\(path)'); write it elsewhere.")
                    }
                }
                if !dryRun, let report, OutputSink.wouldReplace(report, writingTo: messagesOutput) {
                    throw ValidationError("--output and --report name the same file ('\(messagesOutput)', '\(report)'); give the report a file of its own.")
                }
                // Another name (a hard link) of the input: replacing that name leaves the input as it was.
                if !dryRun, let input, input != "-", let output, let replaced = OutputSink.replacedFile(of: output),
                   OutputSink.wouldReplace(input, writingTo: output), replaced != OutputSink.replacedFile(of: input) {
                    throw ValidationError("--output ('\(output)') is a hard link to the input file ('\(input)'): replacing it would break "
                        + "the link and leave the input as it was. To migrate in place, give the input's own name: --output \(shellWord(input)).")
                }
                // Replacing the input with the report would lose the flows (the output may replace it: in place).
                if let input, let report, OutputSink.wouldReplace(input, writingTo: report) {
                    throw ValidationError("--report names the input file ('\(report)'); give the report a file of its own.")
                }
                if input == "-", let report, OutputSink.wouldReplaceFile(of: STDIN_FILENO, writingTo: report) {
                    throw ValidationError("--report names the file standard input reads ('\(report)'); give the report a file of its own.")
                }
                let writesStandardOutput = (!dryRun && OutputSink.isStandardOutput(messagesOutput))
                    || reportOutput.map(OutputSink.isStandardOutput) == true
                let writesStandardError = (!dryRun && OutputSink.isStandardError(messagesOutput))
                    || reportOutput.map(OutputSink.isStandardError) == true
                // The other stream's file is standard output's: replaced, it would take that stream with it.
                for (option, path) in [("--output", dryRun ? nil : output), ("--report", report)] {
                    if let path, writesStandardOutput, OutputSink.wouldReplaceFile(of: STDOUT_FILENO, writingTo: path) {
                        throw ValidationError("Standard output is the file \(option) names ('\(path)'): replacing that file would lose "
                            + "what goes to standard output (the \(option == "--output" ? "report" : "migrated messages")). "
                            + "Send standard output to another file, or name both files: --output FILE --report FILE.")
                    }
                }
                // Standard error (messages, and --output or --report /dev/stderr) appended to the input: read back without end.
                if let input, OutputSink.standardOutputIsFile(readBy: input, descriptor: STDERR_FILENO) {
                    let file = input == "-" ? "the file standard input reads" : "the input file ('\(input)')"
                    let what = writesStandardError ? "messages, and the lines --output or --report sends there" : "messages"
                    throw ValidationError("Standard error is \(file): what goes there (\(what)) would be read back as input without "
                        + "end. Send standard error to another file.")
                }
                if let input, writesStandardOutput, OutputSink.standardOutputIsFile(readBy: input) {
                    let file = input == "-" ? "the file standard input reads" : "the input file ('\(input)')"
                    throw ValidationError("Standard output is \(file): with >> the output would be read back as input without end, "
                        + "and > has emptied it already. Send standard output to another file, or migrate in place with --output "
                        + "\(input == "-" ? "FILE --input FILE" : shellWord(input)).")
                }
                // A stream's report is --report (JSON lines); its summary always goes to standard error.
                let storeOnly = [(batchSize != nil, "--batch-size"), (format != nil, "--format"),
                                 (storeOptions.storeTimeout != nil, "--store-timeout")].filter(\.0).map(\.1)
                if !storeOnly.isEmpty {
                    // --format shapes a store's report; a stream's are --report and its summary.
                    let streamHint = format != nil ? " (a stream's per-line report is --report FILE)" : ""
                    throw ValidationError("\(storeOnly.joined(separator: ", ")) \(storeOnly.count == 1 ? "goes" : "go") with --store, not --input"
                        + streamHint + ".")
                }
            } else {
                if output != nil || report != nil { throw ValidationError("--output and --report go with --input.") }
                if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1.") }
            }
        }

        func run() async throws {
            let terminal = Terminal(reportsInJSON: format == .json)
            let tolerated = try checkIntegrity(terminal: terminal)
            let directory = try terminal.loadMigrationDirectory(migrationDirectory)
            if directory.files.isEmpty {
                terminal.message("warning: \(migrationDirectory) holds no migrations: states without a version are up to date, and every "
                    + "state of a later version is newer than this directory (skew) and left as it is; check -m")
            }
            let chain = MigrationChain(directory: directory)
            let changedFlows = Set(directory.files.flatMap { $0.migration.flows.keys })
            for override in policy where override.flow != "*" {
                if let version = chain.removalVersion(of: override.flow) {
                    terminal.message("warning: --policy \(override.flow)=…: migration \(version) removes the flow '\(override.flow)'; its in-flight "
                        + "flows from before it fail whatever the policy")
                } else if !changedFlows.contains(override.flow) {
                    terminal.message("warning: --policy \(override.flow)=…: no migration in \(migrationDirectory) changes a flow named "
                        + "'\(override.flow)', so this policy has no effect (a typo?)")
                }
            }
            let migrator = StreamMigrator(migrator: Migrator(
                chain: chain, policy: TaintPolicy(overrides: Dictionary(uniqueKeysWithValues: policy.map { ($0.flow, $0.strategy) }))))
            if let input {
                try await migrateStream(input, migrator: migrator, terminal: terminal)
            } else {
                try await migrateStore(migrator: migrator, terminal: terminal, tolerated: tolerated)
            }
        }

        /// Before anything is touched, refuses migrations that do not match `migrations.sum` — and
        /// a directory of migrations without one, where edits cannot be detected (deleting the sum
        /// must not be a way round the check) — unless `--force`, which says so loudly. A missing
        /// directory is reported when the chain is loaded. Returns the findings a dry run or
        /// `--force` goes on despite, for the JSON report.
        private func checkIntegrity(terminal: Terminal) throws -> [DirectoryIntegrity.Finding] {
            let integrity = DirectoryIntegrity(path: migrationDirectory, requireSum: true)
            // A directory that breaks its own rules is named by loading it; a missing sum would only hide that.
            let invalid = integrity.findings.filter { $0.kind == "invalid" }
            let sumFindings = integrity.findings.filter { $0.kind != "invalid" && !(!invalid.isEmpty && $0.kind == "missing-sum") }
            if sumFindings.isEmpty { return [] }
            let status = DirectoryIntegrity.exitStatus(for: sumFindings)
            // What does not stop this run (a dry run, --force) is a warning, not an error a log scanner takes for a failure.
            let stops = status == ExitStatus.toolFailed || (!dryRun && !force)
            sumFindings.forEach { terminal.message(stops ? $0.description : $0.described(as: "warning")) }
            // A run stopped here names the files that would not load either (otherwise said when the directory is loaded).
            if stops { invalid.forEach { terminal.message($0.description) } }
            if status == ExitStatus.toolFailed {
                terminal.message("error: nothing was applied: the migrations could not be read")
                terminal.reportRefusedMigrationDirectory(migrationDirectory, findings: sumFindings + invalid, unreadable: true)
                throw status
            }
            // A dry run writes nothing: it shows what the migrations would do (the preview before
            // adopting a directory Selinon wrote, say), and says what a real run would do.
            if dryRun {
                terminal.message(force
                    ? "warning: --force: a real run would migrate in-flight flows with migrations that do not match \(MigrationSum.fileName)"
                    : "warning: a real run would refuse these migrations (not the ones generated and reviewed: fix the directory"
                        + (invalid.isEmpty ? ", or pass --force" : "; --force cannot apply files that do not load") + "); this dry run shows "
                        + "what they would do")
                return sumFindings
            }
            guard force else {
                terminal.message("error: nothing was applied: the migrations are not the ones generated and reviewed; fix the directory"
                    + (invalid.isEmpty ? ", or pass --force to apply them anyway" : " (--force cannot apply files that do not load)"))
                terminal.reportRefusedMigrationDirectory(migrationDirectory, findings: sumFindings + invalid, unreadable: false)
                throw status
            }
            terminal.message("WARNING: --force: applying migrations that do not match \(MigrationSum.fileName); in-flight flows are "
                + "migrated with edited or unreviewed migrations")
            return sumFindings
        }

        /// The store's JSON report, with the migration files' problems that this run went on
        /// despite (a dry run, `--force`): a tool that reads only the report must not take an
        /// unreviewed directory for a clean one.
        private func jsonReport(_ report: SweepReport, tolerated: [DirectoryIntegrity.Finding]) -> JSONValue {
            guard !tolerated.isEmpty, case .object(var fields) = report.jsonValue else { return report.jsonValue }
            fields["migration_directory_problems"] = .array(tolerated.map(\.jsonValue))
            // What the same command without --dry-run does: refuses (exit 1), unless --force.
            fields["real_run"] = .string(force ? "forced" : "refused")
            return .object(fields)
        }

        private func migrateStore(migrator: StreamMigrator, terminal: Terminal, tolerated: [DirectoryIntegrity.Finding]) async throws {
            // Said when a signal ends the sweep, with the flows of the batches committed by then.
            let logNote = storeOptions.interruptedWriteNote
            @Sendable func interruptNote(committed: Int) -> String {
                "interrupted: the batches committed so far stay migrated"
                    + (committed > 0 ? " (at least \(counted(committed, "flow")), as the policy took each: migrated, restarted or failed)" : "")
                    + ", each with its events (the one under way is rolled back); run the same command again to resume" + logNote
            }
            if !dryRun { InterruptCleanup.say(onInterrupt: interruptNote(committed: 0)) }
            let store = try await storeOptions.open(terminal: terminal, readOnly: dryRun)
            let progress = ProgressDisplay(unit: "flows", quiet: quiet)
            let sweep = MigrationSweep(store: store, migrator: migrator, batchSize: batchSize ?? 500, dryRun: dryRun)
            let result: SweepReport
            do {
                let writesNothing = dryRun
                result = try await sweep.run { step in
                    progress.update(done: step.processed, total: step.total, detail: step.total == nil ? "still counting the total" : nil)
                    if !writesNothing { InterruptCleanup.say(onInterrupt: interruptNote(committed: step.changed)) }
                }
                progress.finish(changedElsewhere: result.changedElsewhere)
                await terminal.close(store)
            } catch {
                progress.finish(stopped: true)
                await terminal.close(store)
                let resume: String
                switch error.kind {
                case .damaged: resume = "."
                case .unavailable, .conflict: resume = "; run apply again to resume."
                default: resume = "; once what the error names is fixed, run apply again to resume."
                }
                // What the committed batches did is reported all the same: flows were restarted or
                // failed (none, when the first batch failed: the report then says so, with the error).
                if let completed = error.completedSweep {
                    switch format ?? .text {
                    case .text: terminal.output(SweepReportText(completed).text)
                    case .json: terminal.outputJSON(jsonReport(completed, tolerated: tolerated))
                    }
                }
                // (No report: the sweep stopped before its first batch — at its count, say.)
                terminal.message("error: \(error.message)\n" + (error.completedSweep == nil || dryRun
                    ? "Nothing was written" : "Every batch written before the error is complete") + resume)
                // A row changed by hand that stops the sweep (an id that is not UTF-8) is the
                // store's content at fault, as export says too: 1, not the tool's failure.
                throw error.kind == .conflict || (error.kind == .damaged && error.flowID != nil) ? ExitStatus.inputFailed : ExitStatus.toolFailed
            }
            switch format ?? .text {
            case .text: terminal.output(SweepReportText(result).text)
            case .json: terminal.outputJSON(jsonReport(result, tolerated: tolerated))
            }
            if result.total(.invalid) > 0 { throw ExitStatus.inputFailed }
        }

        private func migrateStream(_ input: String, migrator: StreamMigrator, terminal: Terminal) async throws {
            let reader: LineReader
            do {
                reader = try LineReader(path: input)
            } catch {
                terminal.message("error: cannot read \(input): \(error.reason)"
                    + error.hintLine(option: "--input", reads: "a file of dispatcher messages, one JSON object per line"))
                throw error.exitStatus
            }
            let messages = dryRun ? nil : try openSink(messagesOutput, terminal: terminal)
            let reports: OutputSink?
            do {
                reports = try reportOutput.map { try openSink($0, terminal: terminal) }
            } catch {
                messages?.discard()
                throw error
            }
            InterruptCleanup.say(onInterrupt: OutputSink.interruptNote([messages, reports].compactMap { $0 }), ignoringClosedPipes: false)

            var summary = ApplySummary()
            // Lines so far (a stream's total is not known before its end), on standard error.
            let progress = ProgressDisplay(unit: "lines", quiet: quiet, alwaysSummarize: false,
                                           besideOutputs: (dryRun ? [] : [messagesOutput]) + (reportOutput.map { [$0] } ?? []))
            let migration = ParallelLineMigration(migrator: migrator, writesReports: reports != nil)
            var lineNumber = 1
            var chunk: [[UInt8]] = []
            var heldNewline = false
            do {
                chunk.reserveCapacity(migration.chunkSize)
                var atEnd = false
                while !atEnd {
                    chunk.removeAll(keepingCapacity: true)
                    var chunkBytes = 0
                    while chunk.count < migration.chunkSize && chunkBytes < migration.chunkBytes {
                        guard let line = try reader.nextLine() else {
                            atEnd = true
                            break
                        }
                        chunk.append(line)
                        chunkBytes += line.count
                    }
                    for share in await migration.migrate(chunk, firstLineNumber: lineNumber) {
                        for (result, line) in zip(share.results, share.lineNumbers) { summary.add(result, line: line) }
                        // Each line's newline goes out with the next line: the stream's last one only if the input had it.
                        guard !share.output.isEmpty else { continue }
                        if heldNewline { try messages?.write([UInt8(ascii: "\n")]) }
                        try messages?.write(Array(share.output.dropLast()))
                        heldNewline = true
                        try reports?.write(share.reports)
                    }
                    lineNumber += chunk.count
                    chunk.removeAll(keepingCapacity: true)  // written whole
                    progress.update(done: lineNumber - 1, total: nil)
                }
                if heldNewline && reader.lastLineEndedWithNewline { try messages?.write([UInt8(ascii: "\n")]) }
                progress.finish()
            } catch {
                progress.finish(stopped: true)
                // The lines that went out at once end as the input's did: a line followed them. (A
                // failed write leaves nothing to finish.)
                if heldNewline && !(error is OutputSinkError) { try? messages?.write([UInt8(ascii: "\n")]) }
                messages?.discard()
                reports?.discard()
                // Output that goes out at once (standard output, a pipe) cannot be taken back. A
                // write that failed may have sent part of its chunk (the pipe took what it could).
                let written = OutputSink.whatWentOut([messages, reports].compactMap { $0 },
                                                     whole: lineNumber - 1, partly: error is OutputSinkError ? chunk.count : 0)
                if let error = error as? LineReader.LineTooLong {
                    terminal.message("error: \(input == "-" ? "<stdin>" : input):\(lineNumber + chunk.count): \(error); \(written)")
                    throw ExitStatus.inputFailed
                }
                // An output's own error names it; anything else came from reading the input.
                let what = error is OutputSinkError ? "\(error)"
                    : "cannot read \(input == "-" ? "standard input" : input): \(OutputSink.reason(error))"
                terminal.message("error: \(what); \(written)" + OutputSinkError.hintLine(of: error))
                throw ExitStatus.toolFailed
            }
            // The report first: once the messages replace the input (--output naming it), a run
            // again finds them up to date, and what this run did — which flows it restarted or
            // failed — would be nowhere if the report were lost. A report without its messages
            // leaves the input as it was, for the same run again.
            do {
                try reports?.commit()
            } catch {
                messages?.discard()
                terminal.message("error: \(error); nothing was written" + OutputSinkError.hintLine(of: error))
                throw ExitStatus.toolFailed
            }
            do {
                try messages?.commit()
            } catch {
                terminal.message("error: \(error)\(OutputSinkError.hintLine(of: error))\nthe report was written to \(report ?? "-"), but not the "
                    + "migrated messages: \(messagesOutput) is as it was; run apply again (the report is written again)")
                throw ExitStatus.toolFailed
            }
            terminal.message(summary.table(latestVersion: migrator.migrator.chain.latestVersion, dryRun: dryRun))
            let problems = summary.problemLines(input: input == "-" ? "<stdin>" : input, latestVersion: migrator.migrator.chain.latestVersion,
                                                hasReport: report != nil || dryRun, dryRun: dryRun)
            if !problems.isEmpty { terminal.message(problems) }
            if summary.hasFailures { throw ExitStatus.inputFailed }
        }

        private func openSink(_ path: String, terminal: Terminal) throws -> OutputSink {
            do {
                return try OutputSink(path: path)
            } catch {
                terminal.message("error: \(error)" + OutputSinkError.hintLine(of: error))
                throw OutputSinkError.exitStatus(of: error)
            }
        }
    }
}

/// `--policy FLOW=STRATEGY`.
struct PolicyOverride {
    var flow: String
    var strategy: TaintedFlowStrategy

    /// Reads `FLOW=STRATEGY`, or says which part is wrong.
    static func parse(_ argument: String) throws -> PolicyOverride {
        guard let separator = argument.lastIndex(of: "=") else {
            throw ValidationError("'\(argument)' is not FLOW=STRATEGY (for example reporting_flow=retry, or '*=retry' for every flow)")
        }
        let flow = String(argument[..<separator]), name = String(argument[argument.index(after: separator)...])
        guard !flow.isEmpty else { throw ValidationError("'\(argument)' names no flow before '=' (use '*' for every flow)") }
        // `a=fail,b=fail` would read as one override for a flow that cannot exist.
        guard flow == "*" || PythonNames.isValidNodeName(flow) else {
            throw ValidationError("'\(flow)' in '\(argument)' is not a flow name (letters, digits and _, not starting with a digit); "
                + "give each flow its own option: --policy a_flow=fail --policy b_flow=fail")
        }
        guard let strategy = TaintedFlowStrategy(name: name) else {
            throw ValidationError("'\(name)' in '\(argument)' is not a strategy: ignore, retry or fail")
        }
        return PolicyOverride(flow: flow, strategy: strategy)
    }
}

/// Counts per flow and outcome, printed after `apply`, and the first lines that need a look.
struct ApplySummary {
    private var counts: [String: [LineReport.Outcome: Int]] = [:]
    /// The first few invalid, failed and skewed lines, with their line numbers.
    private var problems: [(line: Int, report: LineReport)] = []
    private var problemCount = 0
    var hasFailures: Bool { problemCount > 0 }

    /// How many problem lines are named after the table (the report has all of them).
    static let problemsShown = 5

    mutating func add(_ report: LineReport, line: Int) {
        counts[report.flowName ?? "(unreadable)", default: [:]][report.outcome, default: 0] += 1
        guard [.invalid, .fail, .skew].contains(report.outcome) else { return }
        problemCount += 1
        if problems.count < Self.problemsShown { problems.append((line, report)) }
    }

    /// `FILE:LINE: outcome: why` for the first problem lines, and where to find the rest.
    func problemLines(input: String, latestVersion: Int, hasReport: Bool, dryRun: Bool) -> String {
        guard problemCount > 0 else { return "" }
        let kept = dryRun ? "would be copied unchanged" : "copied unchanged"
        var lines = problems.map { line, report -> String in
            let why: String
            switch report.outcome {
            case .invalid:
                why = (report.error?.message ?? "not a dispatcher message") + " — \(kept): fix the line and apply it again"
            case .skew:
                why = "flow \(report.flowName.map(PrintableText.escaped) ?? "?") is at version \(report.fromVersion ?? 0), newer than the newest migration here "
                    + "(\(latestVersion)) — \(kept): migrate it with the migration directory that has that version"
            default:
                why = "flow \(report.flowName.map(PrintableText.escaped) ?? "?") fails: " + report.taints.filter { $0.strategy == .fail }.map(SweepReportText.describe)
                    .joined(separator: "; ") + " — \(kept) for the dispatcher to fail"
            }
            return "\(input):\(line): \(report.outcome.rawValue): \(why)"
        }
        if problemCount > problems.count { lines.append("… and \(problemCount - problems.count) more") }
        if !hasReport { lines.append("  hint: --report FILE lists the outcome of every line") }
        return lines.joined(separator: "\n")
    }

    func table(latestVersion: Int, dryRun: Bool) -> String {
        // Only exported lines can be already failed: the column is shown when there are some.
        let outcomes = LineReport.Outcome.allCases.filter { outcome in
            outcome != .alreadyFailed || counts.values.contains { $0[outcome] != nil }
        }
        var table = TextTable(header: ["flow"] + outcomes.map(\.rawValue))
        table.rows = counts.keys.sorted().map { flow in [flow] + outcomes.map { String(counts[flow]?[$0] ?? 0) } }
        table.rows.append(["total"] + outcomes.map { outcome in String(counts.values.reduce(0) { $0 + ($1[outcome] ?? 0) }) })
        let changed = counts.values.contains { $0[.migrated, default: 0] + $0[.retry, default: 0] + $0[.fail, default: 0] > 0 }
        let heading = dryRun ? "dry run: no state was written; migrating to version \(latestVersion) would give"
            : changed ? "migrated to version \(latestVersion)" : "no flow was migrated; the latest migration is version \(latestVersion)"
        return heading + "\n" + table.text
    }
}
