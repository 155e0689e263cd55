import FlowConfig

extension Terminal {
    /// Loads a configuration for a command that needs a valid one: prints its diagnostics and
    /// throws the right exit status when it has errors (1) or cannot be read (2).
    func loadConfiguration(_ source: some ConfigurationSource, with loader: ConfigurationLoader,
                           role: String) throws -> Configuration {
        let result: ConfigurationLoadResult
        do {
            result = loader.load(try source.read())
        } catch {
            error.diagnostics.forEach(report)
            message("error: cannot read the \(role) configuration (\(source.sourceDescription))")
            throw error.isReadFailure ? ExitStatus.toolFailed : ExitStatus.inputFailed
        }
        result.diagnostics.forEach(report)
        guard let configuration = result.configuration else {
            let errors = result.diagnostics.filter { $0.severity == .error }.count
            message("error: the \(role) configuration has \(errors) error\(errors == 1 ? "" : "s") (\(source.sourceDescription)); "
                + "fix them, or pass --no-check to skip Selinon's consistency check")
            throw ExitStatus.inputFailed
        }
        return configuration
    }
}
