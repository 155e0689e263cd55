import ArgumentParser
import FlowMigration
import Foundation

extension SelinonMigrate {
    /// `apply`: bring in-flight dispatcher messages up to the newest migration.
    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring in-flight dispatcher messages (JSON lines) up to the newest migration.",
            discussion: """
                Reads one dispatcher message per line — the keyword arguments Selinon's dispatcher \
                task receives (flow_name, migration_version, state, node_args, selective, …) — and \
                writes one line per input line, in order: the migrated message; for a RETRY taint \
                the restarted message (state null, latest version); unchanged for up-to-date, FAIL, \
                skew (a state newer than these migrations) and unreadable lines. Only the edge lists, \
                the version and the state of a restart are rewritten; every other byte is kept.

                The report (--report) has one JSON line per input line: line, flow_name, outcome \
                (up_to_date, migrated, retry, fail, skew, invalid), from_version, to_version, \
                tainted, taints (version, kind edge|nodes, edge, from/to or nodes, strategy) and, \
                for invalid lines, error. A summary per flow and outcome goes to standard error.

                Each migration file says what happens to a flow it taints (IGNORE, RETRY, FAIL); the \
                most severe strategy among the taints of the whole chain wins. --policy overrides \
                the files for one flow (FLOW=fail) or all flows ('*=retry'); an override is stronger \
                than the files, in both directions, and a per-flow override beats '*'.

                Example:
                  selinon-migrate apply -m migrations --input states.jsonl --output migrated.jsonl \\
                      --report report.jsonl --policy '*=retry'

                Exit codes: 0 every line migrated or up to date (IGNORE and RETRY included); 1 a \
                line was unreadable or came out fail or skew, or the migration directory is \
                invalid; 2 a file could not be read or written; 64 usage error.
                """)

        @Option(name: [.customShort("m"), .customLong("migration-dir")],
                help: ArgumentHelp("The migration directory (1.json, 2.json, …).", valueName: "dir"))
        var migrationDirectory: String

        @Option(help: ArgumentHelp("The dispatcher messages, one JSON object per line ('-' for standard input).", valueName: "file"))
        var input: String

        @Option(help: ArgumentHelp("Where the migrated messages go ('-' for standard output).", valueName: "file"))
        var output: String = "-"

        @Option(help: ArgumentHelp("Where the per-line report goes ('-' for standard output).", valueName: "file"))
        var report: String?

        @Option(parsing: .singleValue,
                help: ArgumentHelp("Override the files' strategy: FLOW=ignore|retry|fail, or '*=…' for every flow (repeatable).",
                                   valueName: "flow=strategy"))
        var policy: [PolicyOverride] = []

        @Flag(name: .customLong("dry-run"), help: "Write only the report (to --report, else standard output); no messages.")
        var dryRun = false

        func validate() throws {
            let names = policy.map(\.flow)
            if Set(names).count != names.count { throw ValidationError("--policy names a flow twice.") }
            if !dryRun && output == "-" && report == "-" {
                throw ValidationError("--output and --report cannot both be standard output.")
            }
        }

        func run() async throws {
            let terminal = Terminal()
            let chain: MigrationChain
            do {
                chain = MigrationChain(directory: try MigrationDirectory.load(from: migrationDirectory))
            } catch {
                terminal.message(error.description)
                throw error.isReadFailure ? ExitStatus.toolFailed : ExitStatus.inputFailed
            }
            let migrator = StreamMigrator(migrator: Migrator(
                chain: chain, policy: TaintPolicy(overrides: Dictionary(uniqueKeysWithValues: policy.map { ($0.flow, $0.strategy) }))))

            let reader: LineReader
            do {
                reader = try LineReader(path: input)
            } catch {
                terminal.message("error: cannot read \(input): \(error)")
                throw ExitStatus.toolFailed
            }
            let messages = dryRun ? nil : try openSink(output, terminal: terminal)
            let reports = try (report ?? (dryRun ? "-" : nil)).map { try openSink($0, terminal: terminal) }

            var summary = ApplySummary()
            var outputBuffer: [UInt8] = [], reportBuffer: [UInt8] = []
            outputBuffer.reserveCapacity(1 << 20)
            var lineNumber = 0
            do {
                while let line = try reader.nextLine() {
                    lineNumber += 1
                    let result = line.withUnsafeBufferPointer { migrator.migrate(line: $0, into: &outputBuffer) }
                    outputBuffer.append(UInt8(ascii: "\n"))
                    summary.add(result)
                    if reports != nil {
                        reportBuffer += JSONWriter.compact(result.jsonValue(line: lineNumber))
                        reportBuffer.append(UInt8(ascii: "\n"))
                    }
                    if outputBuffer.count >= 1 << 20 {
                        try messages?.write(outputBuffer)
                        outputBuffer.removeAll(keepingCapacity: true)
                    }
                    if reportBuffer.count >= 1 << 20 {
                        try reports?.write(reportBuffer)
                        reportBuffer.removeAll(keepingCapacity: true)
                    }
                }
                try messages?.write(outputBuffer)
                try reports?.write(reportBuffer)
                try messages?.commit()
                try reports?.commit()
            } catch {
                messages?.discard()
                reports?.discard()
                terminal.message("error: \(error); nothing was written")
                throw ExitStatus.toolFailed
            }
            terminal.message(summary.table(latestVersion: chain.latestVersion))
            if summary.hasFailures { throw ExitStatus.inputFailed }
        }

        private func openSink(_ path: String, terminal: Terminal) throws -> OutputSink {
            do {
                return try OutputSink(path: path)
            } catch {
                terminal.message("error: cannot write \(path): \(error)")
                throw ExitStatus.toolFailed
            }
        }
    }
}

/// `--policy FLOW=STRATEGY`.
struct PolicyOverride: ExpressibleByArgument {
    var flow: String
    var strategy: TaintedFlowStrategy

    init?(argument: String) {
        guard let separator = argument.lastIndex(of: "="),
              let strategy = TaintedFlowStrategy(name: String(argument[argument.index(after: separator)...])),
              !argument[..<separator].isEmpty
        else { return nil }
        flow = String(argument[..<separator])
        self.strategy = strategy
    }
}

/// Counts per flow and outcome, printed after `apply`.
struct ApplySummary {
    private var counts: [String: [LineReport.Outcome: Int]] = [:]
    private(set) var hasFailures = false

    mutating func add(_ report: LineReport) {
        counts[report.flowName ?? "(unreadable)", default: [:]][report.outcome, default: 0] += 1
        if [.invalid, .fail, .skew].contains(report.outcome) { hasFailures = true }
    }

    func table(latestVersion: Int) -> String {
        let outcomes = LineReport.Outcome.allCases
        let header = ["flow"] + outcomes.map(\.rawValue)
        var rows = counts.keys.sorted().map { flow in [flow] + outcomes.map { String(counts[flow]?[$0] ?? 0) } }
        rows.append(["total"] + outcomes.map { outcome in String(counts.values.reduce(0) { $0 + ($1[outcome] ?? 0) }) })
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func format(_ row: [String]) -> String {
            row.enumerated().map { column, cell in
                column == 0 ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
        }
        return (["migrated to version \(latestVersion)", format(header)] + rows.map(format)).joined(separator: "\n")
    }
}
