import FlowMigration
import FlowConfig
import GitHistory

extension Terminal {
    /// Loads the old and the new configuration at the same time (two cores, half the wait),
    /// then reports both as ``loadConfiguration(_:with:role:)`` does, old first. Like it, keeps
    /// them until the process exits.
    /// `offersNoCheck`: the command has `--no-check`, so a failed consistency check mentions it.
    /// `olderConfiguration`: how the command takes another old configuration, for the hint when
    /// the old one is a commit's and invalid. The old configuration's `global.trace` is read as
    /// ``ConfigurationLoader/toleratingTraceErrors`` reads it.
    func loadConfigurations(old: some ConfigurationSource, new: some ConfigurationSource,
                            with loader: ConfigurationLoader, offersNoCheck: Bool = false,
                            olderConfiguration: OlderConfigurationOption = .fromOrFiles) async throws -> (old: Configuration, new: Configuration) {
        let oldLoader = loader.toleratingTraceErrors
        async let oldResult = Self.read(old, with: oldLoader)
        async let newResult = Self.read(new, with: loader)
        let (oldLoaded, newLoaded) = await (oldResult, newResult)
        // A warning both have is said once, where it can be fixed: in the new configuration.
        let newWarnings = Set(((try? newLoaded.get())?.diagnostics ?? []).filter { $0.severity == .warning }.map(Terminal.comparisonKey))
        let oldConfiguration = try check(oldLoaded, source: old, role: "old", loader: oldLoader, offersNoCheck: offersNoCheck,
                                         olderConfiguration: olderConfiguration, omittingWarnings: newWarnings)
        let newConfiguration = try check(newLoaded, source: new, role: "new", loader: loader, offersNoCheck: offersNoCheck,
                                         olderConfiguration: olderConfiguration)
        return (oldConfiguration, newConfiguration)
    }

    /// Loads a configuration for a command that needs a valid one: prints its diagnostics and
    /// throws the right exit status when it has errors (1) or cannot be read (2). The
    /// configuration is kept until the process exits (``KeptUntilExit``): commands load one or
    /// two, and freeing a large one costs more than the exit does.
    func loadConfiguration(_ source: some ConfigurationSource, with loader: ConfigurationLoader,
                           role: String, olderConfiguration: OlderConfigurationOption = .fromOrFiles) throws -> Configuration {
        try check(Self.read(source, with: loader), source: source, role: role, loader: loader, olderConfiguration: olderConfiguration)
    }

    private static func read(_ source: some ConfigurationSource, with loader: ConfigurationLoader)
        -> Result<ConfigurationLoadResult, ConfigurationError> {
        do {
            return .success(loader.load(try source.read()))
        } catch {
            return .failure(error)
        }
    }

    /// What `--no-check` (which turns off the consistency check and the checks of
    /// `global.trace`) would do for an invalid configuration, in words — the checks its errors
    /// all come from — or `nil` when it would not let it through.
    private static func noCheckEffect(_ source: some ConfigurationSource, like loader: ConfigurationLoader) -> String? {
        guard loader.options.checksConsistency || loader.options.checksTrace, let files = try? source.read() else { return nil }
        func loads(checkingConsistency: Bool, checkingTrace: Bool) -> Bool {
            var options = loader.options
            options.checksConsistency = options.checksConsistency && checkingConsistency
            options.checksTrace = options.checksTrace && checkingTrace
            return ConfigurationLoader(options: options).load(files).configuration != nil
        }
        if loads(checkingConsistency: true, checkingTrace: false) {
            return "to take them as warnings: they are all in global.trace, which changes no flow's edges"
        }
        if loads(checkingConsistency: false, checkingTrace: true) { return Self.skipsConsistencyCheck }
        if loads(checkingConsistency: false, checkingTrace: false) {
            return "to skip Selinon's consistency check and take global.trace's errors as warnings, where they all come from"
        }
        return nil
    }

    private static let skipsConsistencyCheck = "to skip Selinon's consistency check, where they all come from"

    private func check(_ loaded: Result<ConfigurationLoadResult, ConfigurationError>, source: some ConfigurationSource,
                       role: String, loader: ConfigurationLoader, offersNoCheck: Bool = false,
                       olderConfiguration: OlderConfigurationOption, omittingWarnings omitted: Set<String> = []) throws -> Configuration {
        let result: ConfigurationLoadResult
        switch loaded {
        case .success(let value):
            result = value
            KeptUntilExit.keep(value)
        case .failure(let error):
            error.diagnostics.forEach(report)
            let problem = "cannot read the \(role) configuration (\(source.sourceDescription))"
            message("error: " + problem)
            if error.isReadFailure { throw ExitStatus.toolFailed }
            reportInvalidConfiguration(role: role, source: source.sourceDescription, message: problem, diagnostics: error.diagnostics)
            throw ExitStatus.inputFailed
        }
        for diagnostic in result.diagnostics where diagnostic.severity != .warning || !omitted.contains(Terminal.comparisonKey(diagnostic)) {
            report(diagnostic)
        }
        guard let configuration = result.configuration else {
            if let revision = source as? GitConfigurationSource {
                for path in revision.absentFlowPaths() {
                    message("note: \(path) does not exist in \(revision.sourceDescription) (added later, or renamed since): its flows are "
                        + "missing there; name the flow directory with -f, or give the old files with -N/-F")
                }
            }
            let errors = result.diagnostics.filter { $0.severity == .error }.count
            // What --no-check would let through: the consistency check's errors, or global.trace's.
            let noCheck: String? = !offersNoCheck ? nil
                : result.consistencyCheckFailed ? Self.skipsConsistencyCheck
                : Self.noCheckEffect(source, like: loader)
            guard role == "old", let revision = source as? GitConfigurationSource, case .revision(let commit, _) = revision.location else {
                let problem = "the \(role) configuration has \(errors) error\(errors == 1 ? "" : "s") (\(source.sourceDescription)); "
                    + (noCheck.map { "fix them, or pass --no-check " + $0 } ?? "fix them")
                message("error: " + problem)
                reportInvalidConfiguration(role: role, source: source.sourceDescription, message: problem, diagnostics: result.diagnostics)
                throw ExitStatus.inputFailed
            }
            // A commit cannot be fixed, and no worker started on it: in-flight flows run an older one.
            let problem = "the old configuration has \(errors) error\(errors == 1 ? "" : "s") (\(source.sourceDescription)): "
                + "a commit cannot be fixed, and workers do not start on an invalid configuration"
            message("error: " + problem)
            let orNoCheck = noCheck.map { " (or pass --no-check \($0))" } ?? ""
            let hint: String
            if let option = olderConfiguration.revisionOption {
                let lastValid = Self.lastValidConfiguration(before: commit, in: revision, loader: loader)
                hint = olderConfiguration.purpose + " with " + option
                    + (lastValid.map { ": the last valid one before it is \($0.id.short) (\($0.summary)), so \(option) \($0.id.short)" }
                        ?? " REV" + (olderConfiguration == .fromOrFiles ? " or -N/-F" : ""))
                    + orNoCheck
            } else {
                hint = "fix the configuration in that revision first" + orNoCheck
            }
            message("  hint: " + hint)
            reportInvalidConfiguration(role: role, source: source.sourceDescription, message: problem, hint: hint, diagnostics: result.diagnostics)
            throw ExitStatus.inputFailed
        }
        return configuration
    }

    /// With `--format json`, the failure as the command's one JSON document: `error`
    /// (`invalid-configuration`, `unavailable-configuration` for one that cannot be had at all:
    /// a revision without the options to read it, files that are not there, or
    /// `mismatched-configuration` for a valid one that is not the one asked for), which
    /// configuration (`old`, `new`, …), where it came from, the message and hint printed on
    /// standard error, and the diagnostics as `validate` gives them.
    func reportInvalidConfiguration(role: String, source: String, message: String, hint: String? = nil,
                                    diagnostics: [ConfigDiagnostic], unavailable: Bool = false, mismatched: Bool = false) {
        guard reportsInJSON else { return }
        var document: [String: JSONValue] = [
            "error": .string(mismatched ? "mismatched-configuration" : unavailable ? "unavailable-configuration" : "invalid-configuration"),
            "configuration": .string(role),
            "source": .string(source),
            "message": .string(message),
            "diagnostics": .array(diagnostics.map { diagnostic in
                .object([
                    "severity": .string(diagnostic.severity.rawValue), "code": .string(diagnostic.code.rawValue),
                    "message": .string(diagnostic.message), "file": .string(diagnostic.location.file),
                    "line": .number(JSONNumber(diagnostic.location.line)), "column": .number(JSONNumber(diagnostic.location.column)),
                    "hint": .string(diagnostic.hint),
                ])
            }),
        ]
        if let hint { document["hint"] = .string(hint) }
        outputJSON(.object(document))
    }
}

/// How a command takes an older configuration than the invalid one of a commit.
enum OlderConfigurationOption {
    /// `--from REV`, or the files with `-N`/`-F` (generate, diff).
    case fromOrFiles
    /// `--base REV` (check).
    case base
    /// None: the revision is not the user's to choose (rebase's `--onto`).
    case none

    var revisionOption: String? {
        switch self {
        case .fromOrFiles: "--from"
        case .base: "--base"
        case .none: nil
        }
    }

    /// What the option is for, as the hint says it.
    var purpose: String {
        self == .base ? "compare with a base whose configuration is valid" : "give the configuration in-flight flows run"
    }
}

extension Terminal {
    /// How many commits that changed the configuration ``lastValidConfiguration(before:in:loader:)`` reads.
    static let validSearchDepth = 50

    /// The newest commit before `commit` (first parents) whose configuration loads without
    /// errors — the one workers last ran, when `commit`'s is invalid.
    private static func lastValidConfiguration(before commit: GitCommit, in source: GitConfigurationSource,
                                               loader: ConfigurationLoader) -> GitCommit? {
        guard let parent = commit.parents.first,
              let changes = try? source.repository.commitsChanging(source.paths, from: parent, limit: validSearchDepth) else { return nil }
        return changes.first { change in
            let candidate = GitConfigurationSource(repository: source.repository, paths: source.paths,
                                                   location: .revision(change, label: change.id.short))
            return (try? loader.load(candidate.read()).configuration) != nil
        }
    }
}
