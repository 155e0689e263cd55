import FlowConfig
import GitHistory

extension Terminal {
    /// Loads the old and the new configuration at the same time (two cores, half the wait),
    /// then reports both as ``loadConfiguration(_:with:role:)`` does, old first. Like it, keeps
    /// them until the process exits.
    /// `offersNoCheck`: the command has `--no-check`, so a failed consistency check mentions it.
    func loadConfigurations(old: some ConfigurationSource, new: some ConfigurationSource,
                            with loader: ConfigurationLoader, offersNoCheck: Bool = false) async throws -> (old: Configuration, new: Configuration) {
        async let oldResult = Self.read(old, with: loader)
        async let newResult = Self.read(new, with: loader)
        let (oldLoaded, newLoaded) = await (oldResult, newResult)
        let oldConfiguration = try check(oldLoaded, source: old, role: "old", loader: loader, offersNoCheck: offersNoCheck)
        let newConfiguration = try check(newLoaded, source: new, role: "new", loader: loader, offersNoCheck: offersNoCheck)
        return (oldConfiguration, newConfiguration)
    }

    /// Loads a configuration for a command that needs a valid one: prints its diagnostics and
    /// throws the right exit status when it has errors (1) or cannot be read (2). The
    /// configuration is kept until the process exits (``KeptUntilExit``): commands load one or
    /// two, and freeing a large one costs more than the exit does.
    func loadConfiguration(_ source: some ConfigurationSource, with loader: ConfigurationLoader,
                           role: String) throws -> Configuration {
        try check(Self.read(source, with: loader), source: source, role: role, loader: loader)
    }

    private static func read(_ source: some ConfigurationSource, with loader: ConfigurationLoader)
        -> Result<ConfigurationLoadResult, ConfigurationError> {
        do {
            return .success(loader.load(try source.read()))
        } catch {
            return .failure(error)
        }
    }

    private func check(_ loaded: Result<ConfigurationLoadResult, ConfigurationError>, source: some ConfigurationSource,
                       role: String, loader: ConfigurationLoader, offersNoCheck: Bool = false) throws -> Configuration {
        let result: ConfigurationLoadResult
        switch loaded {
        case .success(let value):
            result = value
            KeptUntilExit.keep(value)
        case .failure(let error):
            error.diagnostics.forEach(report)
            message("error: cannot read the \(role) configuration (\(source.sourceDescription))")
            throw error.isReadFailure ? ExitStatus.toolFailed : ExitStatus.inputFailed
        }
        result.diagnostics.forEach(report)
        guard let configuration = result.configuration else {
            if let revision = source as? GitConfigurationSource {
                for path in revision.absentFlowPaths() {
                    message("note: \(path) does not exist in \(revision.sourceDescription) (added later, or renamed since): its flows are "
                        + "missing there; name the flow directory with -f, or give the old files with -N/-F")
                }
            }
            let errors = result.diagnostics.filter { $0.severity == .error }.count
            let noCheck = offersNoCheck && result.consistencyCheckFailed
            guard role == "old", let revision = source as? GitConfigurationSource, case .revision(let commit, _) = revision.location else {
                message("error: the \(role) configuration has \(errors) error\(errors == 1 ? "" : "s") (\(source.sourceDescription)); "
                    + (noCheck ? "fix them, or pass --no-check to skip Selinon's consistency check (they all come from it)" : "fix them"))
                throw ExitStatus.inputFailed
            }
            // A commit cannot be fixed, and no worker started on it: in-flight flows run an older one.
            message("error: the old configuration has \(errors) error\(errors == 1 ? "" : "s") (\(source.sourceDescription)): "
                + "a commit cannot be fixed, and workers do not start on an invalid configuration")
            let lastValid = Self.lastValidConfiguration(before: commit, in: revision, loader: loader)
            message("  hint: give the configuration in-flight flows run with --from"
                + (lastValid.map { ": the last valid one before it is \($0.id.short) (\($0.summary)), so --from \($0.id.short)" } ?? " REV or -N/-F")
                + (noCheck ? " (or pass --no-check: the errors all come from Selinon's consistency check)" : ""))
            throw ExitStatus.inputFailed
        }
        return configuration
    }

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
