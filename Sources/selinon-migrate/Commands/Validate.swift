import ArgumentParser
import FlowConfig
import Foundation

extension SelinonMigrate {
    /// `validate`: load a configuration as Selinon's workers would and report every problem.
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate",
            abstract: "Check a Selinon configuration and report every problem with its file and line.",
            discussion: """
                Loads the nodes file and the flow definitions with Selinon 1.4's rules (YAML 1.1, \
                merge keys, environment expansion of queue names), runs Selinon's consistency check \
                and the checks Selinon misses (values that break worker start-up, unknown keys and \
                nodes). Diagnostics go to standard error as `path:line:column: error: message` with a \
                hint; the summary goes to standard output.

                Example:
                  selinon-migrate validate -n examples/package-analysis/v1/nodes.yml \\
                      -f examples/package-analysis/v1/flows

                Exit codes: 0 valid (warnings may be printed); 1 the configuration has errors \
                (or warnings, with --warnings-as-errors); 2 a file exists but could not be read; \
                64 usage error.
                """)

        @OptionGroup var location: ConfigLocationOptions

        @Option(help: "Output format: text for people, json for tools (printed to standard output).")
        var format: OutputFormat = .text

        @Flag(name: .customLong("no-check"), help: "Skip Selinon's consistency check, as selinon-cli --no-check does.")
        var noCheck = false

        @Flag(name: .customLong("warnings-as-errors"), help: "Exit 1 when there are warnings.")
        var warningsAsErrors = false

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let source = try location.source(environment: environment)
            let loader = location.loader(environment: environment, checksConsistency: !noCheck)
            let terminal = Terminal(environment: environment)

            let diagnostics: [ConfigDiagnostic]
            var configuration: Configuration?
            var readFailure = false
            do {
                let result = loader.load(try source.read())
                KeptUntilExit.keep(result)
                diagnostics = result.diagnostics
                configuration = result.configuration
            } catch {
                diagnostics = error.diagnostics
                readFailure = error.isReadFailure
            }
            var report = ValidationReport(source: source, configuration: configuration, diagnostics: diagnostics)
            let failsOnWarnings = warningsAsErrors && report.errorCount == 0 && report.warningCount > 0
            if warningsAsErrors { report.countWarningsAsErrors() }
            switch format {
            case .text:
                diagnostics.forEach(terminal.report)
                terminal.output(report.summaryLine)
            case .json:
                terminal.outputJSON(text: try report.json())
            }
            if readFailure { throw ExitStatus.toolFailed }
            if report.errorCount > 0 || failsOnWarnings { throw ExitStatus.inputFailed }
        }
    }
}

/// The result of `validate` in the shapes it is printed in.
struct ValidationReport: Encodable {
    struct Summary: Encodable {
        /// The configuration's counts; absent when it could not be loaded (not zero: unknown).
        var tasks: Int?
        var flows: Int?
        var edges: Int?
        var errors: Int
        var warnings: Int
    }

    struct Diagnostic: Encodable {
        var severity: String
        var code: String
        var message: String
        var file: String
        var line: Int
        var column: Int
        var hint: String
    }

    /// Whether the configuration passed: no errors (and, with `--warnings-as-errors`, no warnings).
    var valid: Bool
    /// `true` when warnings counted as errors (`--warnings-as-errors`); absent otherwise.
    var warningsAsErrors: Bool?
    var nodesFile: String
    var flowFiles: [String]
    var summary: Summary
    var diagnostics: [Diagnostic]

    init(source: FileSystemConfigurationSource, configuration: Configuration?, diagnostics: [ConfigDiagnostic]) {
        let errors = diagnostics.filter { $0.severity == .error }.count
        valid = errors == 0 && configuration != nil
        nodesFile = source.nodesFile
        // The files read; when loading stopped early, the files the paths stand for (a directory
        // listed as on success), and only when even that fails the paths as given.
        flowFiles = configuration?.flowFiles ?? (try? source.flowFiles()) ?? source.flowPaths
        summary = Summary(
            tasks: configuration?.tasks.count, flows: configuration?.flows.count,
            edges: configuration?.flows.values.reduce(0) { $0 + $1.edges.count },
            errors: errors, warnings: diagnostics.count - errors)
        self.diagnostics = diagnostics.map {
            Diagnostic(severity: $0.severity.rawValue, code: $0.code.rawValue, message: $0.message, file: $0.location.file,
                       line: $0.location.line, column: $0.location.column, hint: $0.hint)
        }
    }

    /// Warnings fail the configuration too (`--warnings-as-errors`): `valid` says so in JSON.
    mutating func countWarningsAsErrors() {
        warningsAsErrors = true
        if summary.warnings > 0 && valid {
            valid = false
            failedOnWarnings = true
        }
    }

    /// The configuration loaded without errors, and only `--warnings-as-errors` made it fail
    /// (the text says so in place of "valid").
    private var failedOnWarnings = false

    private enum CodingKeys: String, CodingKey {
        case valid, warningsAsErrors, nodesFile, flowFiles, summary, diagnostics
    }

    var errorCount: Int { summary.errors }
    var warningCount: Int { summary.warnings }

    var summaryLine: String {
        let warnings = counted(summary.warnings, "warning")
        // One line whatever the file is called, as its diagnostics are.
        let nodesFile = ConfigDiagnostic.printable(self.nodesFile, limit: .max)
        guard valid || failedOnWarnings else {
            return "\(nodesFile): invalid (\(counted(summary.errors, "error")), \(warnings))"
        }
        // (Valid, or failed on warnings only: the configuration loaded, and its counts are known.)
        let verdict = failedOnWarnings ? "invalid under --warnings-as-errors" : "valid"
        return "\(nodesFile): \(verdict) — \(counted(summary.tasks ?? 0, "task")), \(counted(summary.flows ?? 0, "flow")), "
            + "\(counted(summary.edges ?? 0, "edge")), \(warnings)"
    }

    func json() throws -> String {
        try JSONReport.render(self)
    }
}
