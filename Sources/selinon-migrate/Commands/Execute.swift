import ArgumentParser
import FlowConfig
import FlowEngine
import FlowMigration
import Foundation

extension SelinonMigrate {
    /// `execute`: a flow run to its end with given task outcomes, as Selinon's executor runs it.
    struct Execute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "execute",
            abstract: "Run a flow to its end with given task outcomes: which nodes run, fail, and whether the flow succeeds.",
            discussion: """
                Runs FLOW by Selinon's dispatcher rules (the flow engine) in the order Selinon's \
                in-process executor (selinon-cli execute) runs it, without running any task: each \
                task succeeds with the result the outcomes file gives, or fails (tasks not listed \
                succeed with a null result). Sub-flows run too; conditions use Selinon's built-in \
                predicates, URL predicates splitting URLs as Python 3.11's urlparse (not \
                httpStatus, custom predicates, or a URL predicate on a bracketed host such as \
                http://[::1]/: a condition using them is an error); task and flow max_retry retry; \
                fallbacks and eager failures apply. \
                Countdowns, throttling and sampling delay nothing. The outcomes file (JSON):

                  {"node_args": {"dry_run": false},
                   "tasks": {"FetchMetadata": {"fails": true},
                             "ScanLicences": {"result": {"licences": ["MIT"]}},
                             "DownloadTarball": [{"fails": true}, {"result": null}]},
                   "foreach": {"package_analysis.foreach.iter_bundled_libraries":
                                 [{"name": "a"}]}}

                A list gives the outcomes of a task's successive runs (retries included); the last \
                repeats. Every foreach edge that fires needs its function's items (null: it returns None). Prints every \
                task run and flow end in order, then the flow's status (--format json: flow, \
                status, dispatcher_runs, dispatcher_errors, nodes with flow, node, kind, status, \
                unused_outcomes for the tasks the outcomes give that the flow never starts; \
                a run that was stopped has status "stopped" and error, why; an invalid outcomes \
                file is the document error "invalid-outcomes", file, line, column, message, hint).

                Example: what happens to package_analysis_flow when FetchMetadata fails (the file \
                above saved as fetch-fails.json):
                  selinon-migrate execute package_analysis_flow \\
                      -n examples/package-analysis/v4/nodes.yml \\
                      -f examples/package-analysis/v4/flows --outcomes fetch-fails.json

                Exit codes: 0 the flow ran to its end (whether it succeeded or failed); 1 the \
                configuration or the outcomes file is invalid or missing (or a directory), the flow is unknown, a \
                condition or a foreach cannot be decided, or the flows do not end within --max-runs; \
                2 the outcomes file cannot be read; 64 usage error.
                """)

        @Argument(help: ArgumentHelp("The flow to run.", valueName: "flow"))
        var flow: String

        @OptionGroup var location: ConfigLocationOptions

        @Option(help: ArgumentHelp("The JSON file of task outcomes, node_args and foreach items ('-' for standard input; default: every task succeeds; a foreach edge that fires still needs its items).",
                                   valueName: "file"))
        var outcomes: String?

        @Option(name: .customLong("max-runs"), parsing: .unconditional, help: "Give up after this many dispatcher runs, ten times as many task runs, or a hundred times as many combinations judged by joins (a flow that loops, or fans out widely before a join).")
        var maxRuns = 10_000

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        func validate() throws {
            if maxRuns < 1 { throw ValidationError("--max-runs must be at least 1.") }
        }

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let terminal = Terminal(environment: environment, reportsInJSON: format == .json)
            let configuration = try terminal.loadConfiguration(try location.source(environment: environment),
                                                               with: location.loader(environment: environment), role: "current")
            let given = try outcomes.map { try readOutcomes($0, terminal: terminal) } ?? (outcomes: NodeOutcomes(), bytes: [])
            // Named here with the outcomes file's line (the execution would name the task alone).
            if let path = outcomes, let task = given.outcomes.tasks.keys.sorted().first(where: { !configuration.isTask($0) }) {
                throw Self.refuseOutcomes(path, line: JSONKeyLine.line(of: ["tasks", task], in: given.bytes),
                                          message: "outcomes are given for '\(task)', which is " + (configuration.isFlow(task)
                                              ? "a flow: a flow's outcome follows from its nodes" : "not a task of the configuration"),
                                          hint: configuration.taskName(closestTo: task).map { "did you mean '\($0)'?" } ?? "give outcomes for tasks only",
                                          terminal: terminal)
            }
            // Items for a foreach function no edge calls would be ignored: a typo in its name.
            let functions = Set(configuration.flows.values.flatMap { $0.edges.compactMap(\.foreach) }
                .map { "\($0.function.importPath).\($0.function.name)" })
            if let path = outcomes, let unknown = given.outcomes.foreachItems.keys.sorted().first(where: { !functions.contains($0) }) {
                throw Self.refuseOutcomes(path, line: JSONKeyLine.line(of: ["foreach", unknown], in: given.bytes),
                                          message: "items are given for foreach '\(unknown)', which no edge of the configuration calls",
                                          hint: functions.isEmpty ? "the configuration has no foreach edge"
                                              : "its foreach functions: " + functions.sorted().joined(separator: ", "),
                                          terminal: terminal)
            }
            let report: FlowExecution.Report
            var unused: [String] = []
            do {
                let execution = try FlowExecution(configuration: configuration, flow: flow, outcomes: given.outcomes, environment: environment,
                                                  maxDispatcherRuns: maxRuns)
                unused = execution.tasksNeverStarted
                if let path = outcomes { warnOfUnusedOutcomes(unused, in: path, bytes: given.bytes, configuration: configuration, terminal: terminal) }
                report = try execution.run()
            } catch {
                // What ran until the stop shows the loop (or the path to the undecidable condition).
                if let stopped = error.stoppedExecution { show(stopped, stoppedBy: error.message, unusedOutcomes: unused, terminal: terminal) }
                terminal.message("error: \(error)")
                throw ExitStatus.inputFailed
            }
            show(report, stoppedBy: nil, unusedOutcomes: unused, terminal: terminal)
        }

        /// Warns of outcomes given for tasks the flow never starts, naming the flows that do.
        private func warnOfUnusedOutcomes(_ tasks: [String], in path: String, bytes: [UInt8], configuration: Configuration, terminal: Terminal) {
            for task in tasks {
                let line = JSONKeyLine.line(of: ["tasks", task], in: bytes).map { ":\($0)" } ?? ""
                let starters = configuration.flowNames.filter { name in
                    guard let definition = configuration.flows[name] else { return false }
                    return definition.edges.contains { $0.to.contains(task) } || definition.failures.contains { $0.fallback.nodes.contains(task) }
                }
                terminal.message("\(path)\(line): warning: outcomes are given for '\(task)', which flow '\(flow)' and its sub-flows never "
                    + "start: they change nothing in this run\n  hint: "
                    + (starters.isEmpty ? "no flow starts it" : "it is started by " + starters.map { "'\($0)'" }.joined(separator: ", ")
                        + " — execute that flow, or remove the entry"))
            }
        }

        /// Prints the node runs of `report` and how the flow ended, or (`stoppedBy`) why the
        /// execution stopped before it ended.
        private func show(_ report: FlowExecution.Report, stoppedBy reason: String?, unusedOutcomes: [String] = [], terminal: Terminal) {
            switch format {
            case .text:
                let width = report.nodes.map { ($0.flow ?? "").count + 1 + $0.node.count }.max() ?? 0
                var lines = report.nodes.map { run in
                    let name = run.flow.map { "\($0)/\(run.node)" } ?? run.node
                    return "\(run.isFlow ? "flow" : "task")  \(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(run.status.rawValue)"
                }
                lines += report.dispatcherErrors.map { "note: \($0)" }
                let runs = "\(report.dispatcherRuns) dispatcher run\(report.dispatcherRuns == 1 ? "" : "s")"
                lines.append(reason == nil ? "\(report.flow) \(report.status.rawValue) after \(runs)" : "\(report.flow) stopped after \(runs) (below)")
                terminal.output(lines.joined(separator: "\n"))
            case .json:
                var object: [String: JSONValue] = [
                    "flow": .string(report.flow), "status": .string(reason == nil ? report.status.rawValue : "stopped"),
                    "dispatcher_runs": .number(JSONNumber(report.dispatcherRuns)),
                    "dispatcher_errors": .array(report.dispatcherErrors.map(JSONValue.string)),
                    "nodes": .array(report.nodes.map { run in
                        .object(["flow": run.flow.map(JSONValue.string) ?? .null, "node": .string(run.node),
                                 "kind": .string(run.isFlow ? "flow" : "task"), "status": .string(run.status.rawValue)])
                    }),
                ]
                if let reason { object["error"] = .string(reason) }
                if !unusedOutcomes.isEmpty { object["unused_outcomes"] = .array(unusedOutcomes.map(JSONValue.string)) }
                terminal.outputJSON(.object(object))
            }
        }

        private func readOutcomes(_ path: String, terminal: Terminal) throws -> (outcomes: NodeOutcomes, bytes: [UInt8]) {
            let bytes: [UInt8]
            do {
                bytes = try InputFile.read(path)
            } catch {
                terminal.message("error: cannot read the outcomes file \(path): \(error.reason)"
                    + error.hintLine(option: "--outcomes", reads: "a JSON file of task outcomes"))
                throw error.exitStatus
            }
            let form = "see `selinon-migrate execute --help` for the outcomes file's form"
            do {
                // A key given twice would silently keep only its last outcome: refused, as in migration files.
                return (try NodeOutcomes(json: try JSONParser(rejectsDuplicateKeys: true).parse(bytes)), bytes)
            } catch let failure as JSONParser.Failure {
                let hint = failure.message.contains("appears twice")
                    ? "keep one of the two: only the last would count, and which outcome was meant is not clear"
                    : "the outcomes file is one JSON object: fix it there (\(form))"
                throw Self.refuseOutcomes(path, line: failure.line, column: failure.column, message: failure.message,
                                          hint: hint, terminal: terminal)
            } catch let error as NodeOutcomesError {
                // `tasks.Fetch[1]` → the keys tasks, Fetch; `foreach.module.function` → foreach, module.function
                // (a foreach is keyed by a dotted name).
                let keys = error.path.hasPrefix("foreach.") ? ["foreach", String(error.path.dropFirst("foreach.".count))]
                    : error.path.split(separator: ".").map { String($0.prefix { $0 != "[" }) }
                throw Self.refuseOutcomes(path, line: JSONKeyLine.line(of: keys, in: bytes), message: "\(error)", hint: form, terminal: terminal)
            } catch {
                throw Self.refuseOutcomes(path, message: "\(error)", hint: form, terminal: terminal)
            }
        }

        /// Says what is wrong with the outcomes file at `path` — on standard error and, with
        /// `--format json`, as the command's document (`error`: `invalid-outcomes`, `file`,
        /// `line` and `column` when known, `message`, `hint`) — and returns the exit status (1).
        private static func refuseOutcomes(_ path: String, line: Int? = nil, column: Int? = nil, message: String, hint: String,
                                           terminal: Terminal) -> ExitCode {
            let place = line.map { ":\($0)" + (column.map { ":\($0)" } ?? "") } ?? ""
            terminal.message("\(path)\(place): error: \(message)\n  hint: \(hint)")
            if terminal.reportsInJSON {
                var document: [String: JSONValue] = ["error": .string("invalid-outcomes"), "file": .string(path),
                                                     "message": .string(message), "hint": .string(hint)]
                if let line { document["line"] = .number(JSONNumber(line)) }
                if let column { document["column"] = .number(JSONNumber(column)) }
                terminal.outputJSON(.object(document))
            }
            return ExitStatus.inputFailed
        }
    }
}
